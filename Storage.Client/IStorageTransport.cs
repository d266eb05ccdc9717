namespace Storage.Client;

/// <summary>
/// How a request reaches the service: NATS for a real host (<see cref="StorageClient.ConnectAsync"/>),
/// direct calls for the in-process twin. Return the reply body (success or the contract's
/// <c>{"error": ...}</c> body); throw <see cref="TimeoutException"/> when no reply came in time and a
/// <see cref="StorageException"/> with <see cref="StorageErrorCode.Unavailable"/> when no service answers:
/// the client retries both.
/// </summary>
public interface IStorageTransport : IAsyncDisposable
{
    /// <summary>Sends <paramref name="body"/> to <paramref name="subject"/> and waits up to <paramref name="timeout"/> for the reply.</summary>
    ValueTask<ReadOnlyMemory<byte>> RequestAsync(string subject, ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken);
}
