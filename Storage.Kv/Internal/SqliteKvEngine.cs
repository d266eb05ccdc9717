using System.Collections.Concurrent;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// SQLite engine. Writes of a plugin go through its <see cref="SqliteKvFile"/> (one batching writer),
/// which exists only while writes are queued; reads rent a pooled connection per request. Nothing is
/// held between requests, so Core's LRU of open plugin databases can close any idle plugin file.
/// </summary>
internal sealed class SqliteKvEngine(IPluginDatabase database, int checkpointPages) : IKvEngine
{
    private readonly ConcurrentDictionary<PluginId, SqliteKvFile> _writers = new();

    public async Task<KvWriteResult> WriteAsync(PluginId plugin, KvWrite write, CancellationToken cancellationToken)
    {
        while (true)
        {
            // A writer that just emptied its queue refuses more; the next one takes over.
            var file = _writers.GetOrAdd(plugin, p => new SqliteKvFile(p, database, Retire, checkpointPages));
            if (file.TryEnqueue(write, cancellationToken) is { } result)
                return await result.ConfigureAwait(false);
        }
    }

    public Task<KvEntry?> GetAsync(PluginId plugin, string key, long now, CancellationToken cancellationToken) =>
        SqliteKvFile.GetAsync(database, plugin, key, now, cancellationToken);

    public Task<List<string>> ListAsync(PluginId plugin, KvKeyRange range, CancellationToken cancellationToken) =>
        SqliteKvFile.ReadAsync(database, plugin, (sql, commands) =>
        {
            var command = KvSql.BindList(commands.Get(sql.List(range)), range);
            var keys = new List<string>(Math.Min(range.Take, 1024));
            using var reader = command.ExecuteReader();
            while (reader.Read())
                keys.Add(reader.GetString(0));
            return keys;
        }, cancellationToken);

    public Task<int> SweepAsync(PluginId plugin, long now, CancellationToken cancellationToken) =>
        SqliteKvFile.ReadAsync(database, plugin, (sql, commands) => commands.Get(sql.Sweep).With("now", now).ExecuteNonQuery(), cancellationToken);

    // Queued writes are committed first; Core then closes the file's connections, so it can be deleted.
    public async ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        if (_writers.TryGetValue(plugin, out var file))
            await file.DrainedAsync().ConfigureAwait(false);
    }

    // A container disposed synchronously (dev tools, tests) still flushes queued writes.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_writers.Values.Select(file => file.DrainedAsync())).ConfigureAwait(false);

    private void Retire(SqliteKvFile file) => _writers.TryRemove(KeyValuePair.Create(file.Plugin, file));
}
