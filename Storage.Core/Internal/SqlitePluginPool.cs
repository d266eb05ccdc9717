using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Core.Internal;

/// <summary>
/// Idle SQLite plugin connections per plugin and access mode, each with its authorizer still
/// installed. Opening a file, running its pragmas and installing an authorizer costs more than most
/// row requests, so connections are reused. A connection comes back only in a clean state: no open
/// transaction, no progress handler, and the authorizer's flags at their defaults; otherwise it is closed.
/// </summary>
internal sealed class SqlitePluginPool
{
    private const int MaxIdlePerKey = 8;
    private readonly ConcurrentDictionary<(PluginId Plugin, PluginAccess Access), ConcurrentBag<Entry>> _idle = new();
    private readonly ConcurrentDictionary<PluginId, int> _generations = new();

    /// <summary>The plugin's current generation; <see cref="Clear"/> starts a new one.</summary>
    public int Generation(PluginId plugin) => _generations.GetValueOrDefault(plugin);

    public Entry? TryRent(PluginId plugin, PluginAccess access) =>
        access != PluginAccess.Schema && _idle.TryGetValue((plugin, access), out var bag) && bag.TryTake(out var entry) ? entry : null;

    /// <summary>Takes a connection back; false when it must be closed instead.</summary>
    public bool Return(PluginId plugin, PluginAccess access, Entry entry)
    {
        // Schema sessions toggle the authorizer's trust while they run: never reuse them.
        if (access == PluginAccess.Schema || entry.Connection.State != System.Data.ConnectionState.Open)
            return false;
        // Opened before a purge: it may point at a deleted file.
        if (entry.Generation != Generation(plugin))
            return false;
        var handle = entry.Connection.Handle!;
        if (raw.sqlite3_get_autocommit(handle) == 0)
            return false;
        raw.sqlite3_progress_handler(handle, 0, null, null);
        entry.Authorizer.Reset();
        var bag = _idle.GetOrAdd((plugin, access), _ => new ConcurrentBag<Entry>());
        if (bag.Count >= MaxIdlePerKey)
            return false;
        bag.Add(entry);
        return true;
    }

    public void Clear(PluginId plugin)
    {
        _generations.AddOrUpdate(plugin, 1, (_, generation) => generation + 1);
        foreach (var access in Enum.GetValues<PluginAccess>())
            if (_idle.TryRemove((plugin, access), out var bag))
                while (bag.TryTake(out var entry))
                    entry.Connection.Dispose();
    }

    /// <summary>Closes every idle connection of every plugin (service shutdown).</summary>
    public void ClearAll()
    {
        foreach (var key in _idle.Keys)
            if (_idle.TryRemove(key, out var bag))
                while (bag.TryTake(out var entry))
                    entry.Connection.Dispose();
    }

    /// <summary>An open plugin connection and the authorizer that must live as long as it.</summary>
    public sealed record Entry(SqliteConnection Connection, SqliteAuthorizer Authorizer, int Generation);
}
