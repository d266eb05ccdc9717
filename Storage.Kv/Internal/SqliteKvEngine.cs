using System.Collections.Concurrent;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>SQLite engine: one <see cref="SqliteKvFile"/> (single batching writer, pooled readers) per plugin.</summary>
internal sealed class SqliteKvEngine(IPluginDatabase database) : IKvEngine
{
    private readonly ConcurrentDictionary<PluginId, Lazy<SqliteKvFile>> _files = new();

    public Task<KvWriteResult> WriteAsync(PluginId plugin, KvWrite write, CancellationToken cancellationToken) =>
        File(plugin).WriteAsync(write, cancellationToken);

    public Task<KvEntry?> GetAsync(PluginId plugin, string key, long now, CancellationToken cancellationToken) =>
        File(plugin).ReadAsync((sql, commands) => SqliteKvFile.ReadEntry(commands.Get(sql.Get), key, now), cancellationToken);

    public Task<List<string>> ListAsync(PluginId plugin, KvKeyRange range, CancellationToken cancellationToken) =>
        File(plugin).ReadAsync((sql, commands) =>
        {
            var command = KvSql.BindList(commands.Get(sql.List(range)), range);
            var keys = new List<string>(Math.Min(range.Take, 1024));
            using var reader = command.ExecuteReader();
            while (reader.Read())
                keys.Add(reader.GetString(0));
            return keys;
        }, cancellationToken);

    public Task<int> SweepAsync(PluginId plugin, long now, CancellationToken cancellationToken) =>
        File(plugin).ReadAsync((sql, commands) => commands.Get(sql.Sweep).With("now", now).ExecuteNonQuery(), cancellationToken);

    // Queued writes are flushed, then the writer and readers close, so the file can be deleted.
    public async ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        if (_files.TryRemove(plugin, out var file) && file.IsValueCreated)
            await file.Value.DisposeAsync().ConfigureAwait(false);
    }

    // A container disposed synchronously (dev tools, tests) still flushes queued writes.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        foreach (var file in _files.Values.Where(f => f.IsValueCreated))
            await file.Value.DisposeAsync().ConfigureAwait(false);
        _files.Clear();
    }

    private SqliteKvFile File(PluginId plugin) =>
        _files.GetOrAdd(plugin, p => new Lazy<SqliteKvFile>(() => new SqliteKvFile(p, database))).Value;
}
