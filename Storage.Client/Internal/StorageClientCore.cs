using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Storage.Client.Internal;

/// <summary>
/// The one place requests leave the client: serialize the contract request, add a <c>request_id</c> to
/// writes (kept for every retry, so the service applies the write once), retry what is safe to retry
/// with backoff, and turn error replies into <see cref="StorageException"/>.
/// </summary>
internal sealed class StorageClientCore : IStorageClient
{
    public StorageClientCore(string plugin, IStorageTransport transport, StorageClientOptions options)
    {
        Plugin = plugin;
        Transport = transport;
        Options = options;
        Kv = new KvClient(this);
        Rows = new RowsClient(this);
        Sql = new SqlClient(this);
        Migrations = new MigrationsClient(this);
    }

    public string Plugin { get; }

    public IKvClient Kv { get; }

    public IRowsClient Rows { get; }

    public ISqlClient Sql { get; }

    public IMigrationsClient Migrations { get; }

    public IStorageTransport Transport { get; }

    public StorageClientOptions Options { get; }

    public JsonSerializerOptions Json => Options.JsonSerializerOptions;

    /// <summary>Generates the ids writes carry; tests replace it to see them.</summary>
    public Func<string> NewRequestId { get; set; } = () => Guid.NewGuid().ToString("N");

    public string Subject(string tier, string operation) => $"db.{tier}.{Plugin}.{operation}";

    public async Task<TReply> CallAsync<TRequest, TReply>(string subject, TRequest request, bool isWrite, JsonTypeInfo<TReply> reply, CancellationToken cancellationToken)
    {
        var body = WireJson.Request(request);
        if (isWrite)
            body = WireJson.WithRequestId(body, NewRequestId());
        var bytes = await SendAsync(subject, body, cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize(bytes.Span, reply)
                ?? throw new JsonException("The reply is null.");
        }
        catch (JsonException ex)
        {
            throw new StorageException(StorageErrorCode.Internal, $"The reply on {subject} is not the contract's {typeof(TReply).Name}: {ex.Message}", null, ex);
        }
    }

    public ValueTask DisposeAsync() => Transport.DisposeAsync();

    private async Task<ReadOnlyMemory<byte>> SendAsync(string subject, byte[] body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            StorageException failure;
            try
            {
                var reply = await Transport.RequestAsync(subject, body, Options.RequestTimeout, cancellationToken).ConfigureAwait(false);
                if (ErrorReply.TryRead(reply.Span) is not { } error)
                    return reply;
                failure = error;
            }
            catch (TimeoutException ex)
            {
                cancellationToken.ThrowIfCancellationRequested();
                failure = new StorageException(StorageErrorCode.Timeout,
                    $"No reply on {subject} within {Options.RequestTimeout.TotalMilliseconds:0} ms (StorageClientOptions.RequestTimeout), attempt {attempt} of {Options.MaxAttempts}.",
                    new Dictionary<string, object?> { ["limit_ms"] = (long)Options.RequestTimeout.TotalMilliseconds, ["attempts"] = attempt }, ex);
                if (attempt >= Options.MaxAttempts)
                    throw failure;
                await WaitAsync(attempt, failure, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (StorageException ex) when (ex.Code == StorageErrorCode.Unavailable)
            {
                failure = ex; // No responders, connection lost: nothing reached the service.
            }
            if (!IsRetryable(failure.Code) || attempt >= Options.MaxAttempts)
                throw failure;
            await WaitAsync(attempt, failure, cancellationToken).ConfigureAwait(false);
        }
    }

    // UNAVAILABLE and RATE_LIMITED mean nothing was applied; a lost reply is safe to repeat because
    // writes carry their request_id. A TIMEOUT reply is not retried: the statement itself is too slow.
    private static bool IsRetryable(StorageErrorCode code) => code is StorageErrorCode.Unavailable or StorageErrorCode.RateLimited;

    private Task WaitAsync(int attempt, StorageException failure, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromTicks(Math.Min(Options.MaxBackoff.Ticks, Options.InitialBackoff.Ticks * (1L << Math.Min(attempt - 1, 20))));
        if (failure.Details.TryGetValue("retry_after_ms", out var after) && after is long ms && TimeSpan.FromMilliseconds(ms) > backoff)
            backoff = TimeSpan.FromMilliseconds(Math.Min(ms, (long)Options.MaxBackoff.TotalMilliseconds * 4));
        return backoff <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(backoff, Options.TimeProvider, cancellationToken);
    }
}
