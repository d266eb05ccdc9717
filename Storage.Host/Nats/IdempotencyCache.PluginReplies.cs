namespace Storage.Host.Nats;

internal sealed partial class IdempotencyCache
{
    /// <summary>
    /// One plugin's remembered replies in insertion order, which is also expiry order (one window
    /// for all), so expiry and eviction take from the front. Not thread-safe: the cache's lock guards it.
    /// </summary>
    private sealed class PluginReplies
    {
        private readonly LinkedList<(string Key, Entry Entry)> _order = new();
        private readonly Dictionary<string, LinkedListNode<(string Key, Entry Entry)>> _byKey = new(StringComparer.Ordinal);

        public long Bytes { get; private set; }

        public DateTimeOffset OldestExpiry => _order.First?.Value.Entry.ExpiresAt ?? DateTimeOffset.MaxValue;

        public bool TryGet(string key, out Entry entry)
        {
            var found = _byKey.TryGetValue(key, out var node);
            entry = found ? node!.Value.Entry : null!;
            return found;
        }

        /// <summary>Adds or replaces; returns the change in bytes.</summary>
        public long Add(string key, Entry entry)
        {
            var removed = _byKey.TryGetValue(key, out var old) ? Remove(old) : 0;
            _byKey[key] = _order.AddLast((key, entry));
            Bytes += entry.Size;
            return entry.Size - removed;
        }

        /// <summary>Drops expired replies; returns the bytes freed.</summary>
        public long Expire(DateTimeOffset now)
        {
            long freed = 0;
            while (_order.First is { } first && first.Value.Entry.ExpiresAt <= now)
                freed += Remove(first);
            return freed;
        }

        /// <summary>Drops the oldest replies until at most <paramref name="budget"/> bytes remain; returns the bytes freed.</summary>
        public long EvictOldest(long budget)
        {
            long freed = 0;
            while (Bytes > budget && _order.First is { } first)
                freed += Remove(first);
            return freed;
        }

        private long Remove(LinkedListNode<(string Key, Entry Entry)> node)
        {
            _order.Remove(node);
            _byKey.Remove(node.Value.Key);
            Bytes -= node.Value.Entry.Size;
            return node.Value.Entry.Size;
        }
    }
}
