using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Storage.Testing.Internal;

/// <summary>
/// The host's <c>request_id</c> rule for the twin: a write repeated with the same id on the same subject
/// within 10 minutes returns its first successful reply; the same id with another body is CONFLICT;
/// failures are not remembered; a duplicate racing its first attempt shares it. Bounded to
/// <see cref="MaxEntries"/> replies, oldest dropped first.
/// </summary>
internal sealed class TwinIdempotency(TimeProvider clock)
{
    public const int MaxEntries = 10_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly ConcurrentDictionary<string, (Task<byte[]> Task, byte[] Hash)> _running = new(StringComparer.Ordinal);

    public async Task<byte[]> GetOrRunAsync(string subject, string requestId, ReadOnlyMemory<byte> body, Func<Task<byte[]>> run)
    {
        var key = subject + "\n" + requestId;
        var hash = SHA256.HashData(body.Span);
        if (Find(key, hash, requestId) is { } known)
            return known;
        var completion = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = _running.GetOrAdd(key, (completion.Task, hash));
        if (running.Task != completion.Task)
        {
            RequireSameBody(running.Hash, hash, requestId);
            return await running.Task.ConfigureAwait(false);
        }
        try
        {
            var reply = Find(key, hash, requestId) ?? await run().ConfigureAwait(false);
            Remember(key, hash, reply);
            completion.SetResult(reply);
            return reply;
        }
        catch (Exception ex)
        {
            completion.SetException(ex);
            _ = completion.Task.Exception;
            throw;
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, (Task<byte[]>, byte[])>(key, running));
        }
    }

    private byte[]? Find(string key, byte[] hash, string requestId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.ExpiresAt <= clock.GetUtcNow())
                return null;
            RequireSameBody(entry.Hash, hash, requestId);
            return entry.Reply;
        }
    }

    private void Remember(string key, byte[] hash, byte[] reply)
    {
        lock (_gate)
        {
            if (!_entries.ContainsKey(key))
                _order.Enqueue(key);
            _entries[key] = new Entry(hash, reply, clock.GetUtcNow() + Window);
            while (_entries.Count > MaxEntries && _order.TryDequeue(out var oldest))
                _entries.Remove(oldest);
        }
    }

    private static void RequireSameBody(byte[] first, byte[] again, string requestId)
    {
        if (!first.AsSpan().SequenceEqual(again))
            throw new StorageException(StorageErrorCode.Conflict,
                $"request_id '{requestId}' was already used on this subject with a different body; use a new request_id for a different request.",
                new Dictionary<string, object?> { ["field"] = "request_id" });
    }

    private sealed record Entry(byte[] Hash, byte[] Reply, DateTimeOffset ExpiresAt);
}
