using System.Collections.Concurrent;
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
    private readonly MemoryCache _replies;
    private readonly ConcurrentDictionary<string, Task<byte[]>> _running = new(StringComparer.Ordinal);
    private readonly TimeSpan _window;

    public IdempotencyCache(IOptions<NatsOptions> options)
    {
        _replies = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.IdempotencyCacheBytes, CompactionPercentage = 0.25 });
        _window = TimeSpan.FromSeconds(options.Value.IdempotencyWindowSeconds);
    }

    public async ValueTask<byte[]> GetOrRunAsync(string subject, string requestId, Func<ValueTask<byte[]>> run)
    {
        var key = subject + "\n" + requestId;
        if (_replies.TryGetValue(key, out byte[]? known) && known is not null)
            return known;

        // MemoryCache.GetOrCreate is not atomic, so duplicates in flight meet in a dictionary instead.
        var completion = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _running.GetOrAdd(key, completion.Task);
        if (running != completion.Task)
            return await running.ConfigureAwait(false);
        try
        {
            // The first run may have finished between the cache lookup and joining the dictionary.
            var reply = _replies.TryGetValue(key, out byte[]? finished) && finished is not null
                ? finished
                : await run().ConfigureAwait(false);
            // Remembered before leaving the dictionary, so a later duplicate finds one or the other.
            _replies.Set(key, reply, new MemoryCacheEntryOptions
            {
                AbsoluteExpirationRelativeToNow = _window,
                Size = EntryOverheadBytes + key.Length * 2 + reply.Length,
            });
            completion.SetResult(reply);
            return reply;
        }
        catch (Exception ex)
        {
            // Failed writes did not apply, so a retry must run again; duplicates waiting now share the failure.
            completion.SetException(ex);
            _ = completion.Task.Exception;
            throw;
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, Task<byte[]>>(key, completion.Task));
        }
    }

    public void Dispose() => _replies.Dispose();
}
