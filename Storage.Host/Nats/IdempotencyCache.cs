using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Storage.Host.Nats;

/// <summary>
/// Remembers successful write replies by subject and <c>request_id</c> for a time window, so a
/// write retried after a NATS timeout returns its first reply instead of applying twice. Memory is
/// bounded by <see cref="NatsOptions.IdempotencyCacheBytes"/>; concurrent duplicates share one execution.
/// </summary>
internal sealed class IdempotencyCache : IDisposable
{
    private const int EntryOverheadBytes = 200;
    private readonly MemoryCache _cache;
    private readonly TimeSpan _window;

    public IdempotencyCache(IOptions<NatsOptions> options)
    {
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.IdempotencyCacheBytes, CompactionPercentage = 0.25 });
        _window = TimeSpan.FromSeconds(options.Value.IdempotencyWindowSeconds);
    }

    public async ValueTask<byte[]> GetOrRunAsync(string subject, string requestId, Func<ValueTask<byte[]>> run)
    {
        var key = subject + "\n" + requestId;
        if (_cache.TryGetValue(key, out Task<byte[]>? known) && known is not null)
            return await known.ConfigureAwait(false);

        var completion = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = _cache.GetOrCreate(key, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = _window;
            entry.Size = EntryOverheadBytes + key.Length * 2;
            return completion.Task;
        })!;
        if (pending != completion.Task)
            return await pending.ConfigureAwait(false);

        try
        {
            var reply = await run().ConfigureAwait(false);
            completion.SetResult(reply);
            // Re-insert with the real size now that the reply is known.
            _ = _cache.Set(key, completion.Task, new MemoryCacheEntryOptions
            {
                AbsoluteExpirationRelativeToNow = _window,
                Size = EntryOverheadBytes + key.Length * 2 + reply.Length,
            });
            return reply;
        }
        catch (Exception ex)
        {
            // Failed writes did not apply, so a retry must run again.
            _cache.Remove(key);
            completion.SetException(ex);
            throw;
        }
    }

    public void Dispose() => _cache.Dispose();
}
