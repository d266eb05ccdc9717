using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>
/// Remembers successful write replies by subject and <c>request_id</c> for a time window, so a
/// write retried after a NATS timeout returns its first reply instead of applying twice; the same
/// id with a different body is CONFLICT. Each plugin has its own byte share
/// (<see cref="NatsOptions.IdempotencyCacheBytesPerPlugin"/>): over it, that plugin's own oldest
/// replies make room, never another plugin's. When all plugins together hold
/// <see cref="NatsOptions.IdempotencyCacheBytes"/>, a plugin with replies of its own replaces its
/// oldest; a plugin with none is refused UNAVAILABLE before the write runs (nothing applied) until replies expire. Concurrent duplicates share one execution.
/// </summary>
internal sealed partial class IdempotencyCache(IOptions<NatsOptions> options, TimeProvider clock)
{
    private const int EntryOverheadBytes = 200;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PluginReplies> _plugins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Task<byte[]> Task, byte[] Hash)> _running = new(StringComparer.Ordinal);
    private readonly TimeSpan _window = TimeSpan.FromSeconds(options.Value.IdempotencyWindowSeconds);
    private readonly long _totalBudget = options.Value.IdempotencyCacheBytes;
    private readonly long _pluginBudget = Math.Min(options.Value.IdempotencyCacheBytesPerPlugin, options.Value.IdempotencyCacheBytes);
    private long _totalBytes;

    /// <summary>Bytes remembered now, all plugins together.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
                return _totalBytes;
        }
    }

    /// <summary>Bytes remembered now for one plugin.</summary>
    public long PluginBytes(string plugin)
    {
        lock (_gate)
            return _plugins.TryGetValue(plugin, out var replies) ? replies.Bytes : 0;
    }

    public async ValueTask<byte[]> GetOrRunAsync(string plugin, string subject, string requestId, ReadOnlyMemory<byte> body, Func<ValueTask<byte[]>> run)
    {
        var key = subject + "\n" + requestId;
        var hash = SHA256.HashData(body.Span);
        if (Find(plugin, key, hash) is { } known)
            return known;

        // Duplicates in flight meet here, so a retry racing its first attempt does not run twice.
        var completion = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _running.GetOrAdd(key, (completion.Task, hash));
        if (running.Task != completion.Task)
        {
            RequireSameBody(running.Hash, hash, requestId);
            return await running.Task.ConfigureAwait(false);
        }
        try
        {
            // The first run may have finished between the lookup and joining the dictionary.
            var reply = Find(plugin, key, hash);
            if (reply is null)
            {
                RequireRoom(plugin, EntryOverheadBytes + key.Length * 2L + hash.Length);
                reply = await run().ConfigureAwait(false);
                Remember(plugin, key, hash, reply);
            }
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
            _running.TryRemove(new KeyValuePair<string, (Task<byte[]>, byte[])>(key, running));
        }
    }

    private byte[]? Find(string plugin, string key, byte[] hash)
    {
        lock (_gate)
        {
            if (!_plugins.TryGetValue(plugin, out var replies))
                return null;
            _totalBytes -= replies.Expire(clock.GetUtcNow());
            if (!replies.TryGet(key, out var entry))
                return null;
            RequireSameBody(entry.Hash, hash, key[(key.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
            return entry.Reply;
        }
    }

    private void RequireRoom(string plugin, long needed)
    {
        lock (_gate)
        {
            if (_totalBytes + needed <= _totalBudget)
                return;
            var now = clock.GetUtcNow();
            var next = DateTimeOffset.MaxValue;
            foreach (var (name, replies) in _plugins.ToList())
            {
                _totalBytes -= replies.Expire(now);
                if (replies.Bytes == 0)
                    _plugins.Remove(name);
                else if (replies.OldestExpiry < next)
                    next = replies.OldestExpiry;
            }
            // A plugin holding replies makes room from its own oldest; one holding none waits for expiry.
            if (_totalBytes + needed <= _totalBudget || (_plugins.TryGetValue(plugin, out var own) && own.Bytes > 0))
                return;
            var retryMs = Math.Clamp((long)Math.Ceiling((next - now).TotalMilliseconds), 1, (long)_window.TotalMilliseconds);
            throw new StorageException(StorageErrorCode.Unavailable,
                $"The request_id cache is full ({_totalBudget} bytes, Nats:IdempotencyCacheBytes); the write was not applied; retry in {retryMs} ms.",
                new Dictionary<string, object?> { ["retry_after_ms"] = retryMs, ["limit_bytes"] = _totalBudget });
        }
    }

    private void Remember(string plugin, string key, byte[] hash, byte[] reply)
    {
        var size = EntryOverheadBytes + key.Length * 2L + hash.Length + reply.Length;
        if (size > _pluginBudget)
            return; // Larger than a whole share: documented as not remembered.
        lock (_gate)
        {
            if (!_plugins.TryGetValue(plugin, out var replies))
                _plugins[plugin] = replies = new PluginReplies();
            _totalBytes -= replies.Expire(clock.GetUtcNow());
            var entry = new Entry(hash, reply, size, clock.GetUtcNow() + _window);
            _totalBytes += replies.Add(key, entry);
            _totalBytes -= replies.EvictOldest(_pluginBudget);
            if (_totalBytes > _totalBudget)
                _totalBytes -= replies.EvictOldest(Math.Max(entry.Size, replies.Bytes - (_totalBytes - _totalBudget)));
        }
    }

    private static void RequireSameBody(byte[] first, byte[] again, string requestId)
    {
        if (!first.AsSpan().SequenceEqual(again))
            throw new StorageException(StorageErrorCode.Conflict,
                $"request_id '{requestId}' was already used on this subject with a different body; use a new request_id for a different request.",
                new Dictionary<string, object?> { ["field"] = "request_id" });
    }

    private sealed record Entry(byte[] Hash, byte[] Reply, long Size, DateTimeOffset ExpiresAt);
}
