using NATS.Client.Core;

namespace Storage.Client.Internal;

/// <summary>Request/reply over NATS.Net; maps "no reply" to <see cref="TimeoutException"/> and "no service" to UNAVAILABLE.</summary>
internal sealed class NatsTransport(INatsConnection connection, bool owned) : IStorageTransport
{
    private static readonly NatsPubOpts NoOptions = new();

    /// <summary>A connection of its own as <paramref name="plugin"/>, with the inbox prefix the generated permissions allow.</summary>
    public static NatsTransport Open(string plugin, StorageClientOptions options)
    {
        var opts = options.Nats ?? NatsOpts.Default with
        {
            Url = options.Url,
            Name = $"storage-client-{plugin}",
            AuthOpts = options.User is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { Username = options.User, Password = options.Password },
        };
        return new NatsTransport(new NatsConnection(opts with { InboxPrefix = StorageClient.InboxPrefix(plugin) }), owned: true);
    }

    public ValueTask ConnectAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : connection.ConnectAsync();

    public async ValueTask<ReadOnlyMemory<byte>> RequestAsync(string subject, ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await connection.RequestAsync<ReadOnlyMemory<byte>, byte[]>(subject, body, headers: null, requestSerializer: null, replySerializer: null,
                requestOpts: NoOptions, replyOpts: new NatsSubOpts { Timeout = timeout, ThrowIfNoResponders = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return reply.Data ?? [];
        }
        catch (NatsNoReplyException ex)
        {
            throw new TimeoutException($"No reply on {subject} within {timeout.TotalMilliseconds:0} ms.", ex);
        }
        catch (NatsNoRespondersException ex)
        {
            throw new StorageException(StorageErrorCode.Unavailable, $"No storage service is listening on {subject}; is the host running?",
                new Dictionary<string, object?> { ["subject"] = subject }, ex);
        }
        catch (NatsPayloadTooLargeException ex)
        {
            throw new StorageException(StorageErrorCode.TooLarge,
                $"The request is {body.Length} bytes, more than the NATS server's max_payload accepts; send less (fewer rows per insert, a smaller value).",
                new Dictionary<string, object?> { ["actual_bytes"] = body.Length }, ex);
        }
        catch (NatsException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(StorageErrorCode.Unavailable, $"NATS could not deliver the request on {subject}: {ex.Message}",
                new Dictionary<string, object?> { ["subject"] = subject }, ex);
        }
    }

    public ValueTask DisposeAsync() => owned ? connection.DisposeAsync() : ValueTask.CompletedTask;
}
