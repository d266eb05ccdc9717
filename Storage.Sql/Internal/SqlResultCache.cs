using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Results of read-only queries that asked for it (<c>cache_ms</c>), kept per plugin. An entry is
/// served while it is younger than its <c>cache_ms</c> and no write of the plugin through this host
/// (rows, SQL, migration, purge; <see cref="PluginWrites"/>) came after the read that filled it.
/// Each plugin has its own byte share (<see cref="SqlOptions.ResultCacheBytesPerPlugin"/>): over it,
/// that plugin's own least recently used entries make room, never another plugin's. When all plugins
/// together hold <see cref="SqlOptions.ResultCacheBytes"/>, expired entries go first, then the
/// plugin's own; a plugin with none left is simply not cached (its query still runs).
/// </summary>
internal sealed class SqlResultCache(IOptions<SqlOptions> options, PluginWrites writes, TimeProvider clock)
{
    private const int EntryOverheadBytes = 200;
    private readonly Lock _gate = new();
    private readonly Dictionary<PluginId, Entries> _plugins = [];
    private readonly long _totalBudget = options.Value.ResultCacheBytes;
    private readonly long _pluginBudget = Math.Min(options.Value.ResultCacheBytesPerPlugin, options.Value.ResultCacheBytes);
    private readonly int _maxMs = options.Value.ResultCacheMaxMs;
    private long _totalBytes;

    /// <summary>Bytes held now, all plugins together.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
                return _totalBytes;
        }
    }

    /// <summary>Bytes held now for one plugin.</summary>
    public long PluginBytes(PluginId plugin)
    {
        lock (_gate)
            return _plugins.TryGetValue(plugin, out var entries) ? entries.Bytes : 0;
    }

    /// <summary>INVALID_REQUEST naming <c>cache_ms</c> unless it is in range and the request may be cached at all.</summary>
    public void Validate(SqlQueryRequest request)
    {
        if (request.CacheMs is not { } ms)
            return;
        if (ms < 1 || ms > _maxMs)
            throw StorageException.OutOfRange("cache_ms", $"between 1 and {_maxMs} (Sql:ResultCacheMaxMs)", ms);
        if (request.AllowWrite == true || request.Explain == true)
            throw StorageException.InvalidField("cache_ms",
                $"Field 'cache_ms' applies to read-only queries; drop it or drop '{(request.AllowWrite == true ? "allow_write" : "explain")}'.");
    }

    /// <summary>The entry's key: the statement, its parameters and max_rows; null when the request did not opt in.</summary>
    public static string? Key(SqlQueryRequest request, GuardedStatement statement, int maxRows)
    {
        if (request.CacheMs is null)
            return null;
        if (statement.IsWrite)
            throw StorageException.InvalidField("cache_ms", "Field 'cache_ms' applies to read-only queries; this statement writes.");
        var key = new StringBuilder(statement.Sql).Append('\n').Append(maxRows.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in (request.Params ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
            key.Append('\n').Append(name).Append('=').Append(value.GetRawText());
        return key.ToString();
    }

    /// <summary>The cached reply, or null (absent, expired or older than the plugin's last write).</summary>
    public SqlQueryResponse? Find(PluginId plugin, string key)
    {
        var version = writes.Version(plugin);
        var now = clock.GetTimestamp();
        lock (_gate)
        {
            if (!_plugins.TryGetValue(plugin, out var entries) || !entries.ByKey.TryGetValue(key, out var node))
                return null;
            var entry = node.Value;
            if (entry.Version != version || now >= entry.ExpiresAt)
            {
                Remove(plugin, entries, node);
                return null;
            }
            entries.Recent.Remove(node);
            entries.Recent.AddFirst(node);
            return entry.Reply with { ElapsedMs = 0, Cached = true };
        }
    }

    /// <summary>Keeps <paramref name="reply"/> unless a write came after <paramref name="version"/> (read before the query) or there is no room.</summary>
    public void Store(PluginId plugin, string key, SqlQueryResponse reply, long version, int cacheMs, long replyBytes)
    {
        var bytes = EntryOverheadBytes + key.Length * 2L + replyBytes;
        if (bytes > _pluginBudget || writes.Version(plugin) != version)
            return;
        var expiresAt = clock.GetTimestamp() + (long)(cacheMs / 1000.0 * clock.TimestampFrequency);
        lock (_gate)
        {
            if (!_plugins.TryGetValue(plugin, out var entries))
                entries = new Entries();
            if (entries.ByKey.TryGetValue(key, out var old))
                Remove(plugin, entries, old);
            while (entries.Bytes + bytes > _pluginBudget && entries.Recent.Last is { } own)
                Remove(plugin, entries, own);
            if (_totalBytes + bytes > _totalBudget)
                DropExpired();
            while (_totalBytes + bytes > _totalBudget && entries.Recent.Last is { } own)
                Remove(plugin, entries, own);
            if (_totalBytes + bytes > _totalBudget)
                return;
            // Emptied by the evictions above, the plugin's record may have left the table: put it back.
            _plugins[plugin] = entries;
            var node = entries.Recent.AddFirst(new Entry(key, reply, version, expiresAt, bytes));
            entries.ByKey[key] = node;
            entries.Bytes += bytes;
            _totalBytes += bytes;
        }
    }

    private void DropExpired()
    {
        var now = clock.GetTimestamp();
        foreach (var (plugin, entries) in _plugins.ToList())
            for (var node = entries.Recent.Last; node is not null;)
            {
                var previous = node.Previous;
                if (now >= node.Value.ExpiresAt)
                    Remove(plugin, entries, node);
                node = previous;
            }
    }

    private void Remove(PluginId plugin, Entries entries, LinkedListNode<Entry> node)
    {
        entries.Recent.Remove(node);
        entries.ByKey.Remove(node.Value.Key);
        entries.Bytes -= node.Value.Bytes;
        _totalBytes -= node.Value.Bytes;
        if (entries.ByKey.Count == 0)
            _plugins.Remove(plugin);
    }

    private sealed record Entry(string Key, SqlQueryResponse Reply, long Version, long ExpiresAt, long Bytes);

    private sealed class Entries
    {
        public Dictionary<string, LinkedListNode<Entry>> ByKey { get; } = new(StringComparer.Ordinal);

        public LinkedList<Entry> Recent { get; } = new();

        public long Bytes { get; set; }
    }
}
