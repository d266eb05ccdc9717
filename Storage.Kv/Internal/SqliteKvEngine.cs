using System.Collections.Concurrent;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// SQLite engine. Writes of a plugin go through its <see cref="SqliteKvFile"/> (one batching writer),
/// gets through its <see cref="SqliteKvReader"/> (one batching reader); each exists only while work is
/// queued, and the reader rents a pooled connection per batch. Nothing is held between requests, so
/// Core's LRU of open plugin databases can close any idle plugin file. Checkpoints of a writer's WAL run
/// beside it (<see cref="SqliteKvCheckpoints"/>).
/// </summary>
internal sealed class SqliteKvEngine(IPluginDatabase database, int checkpointPages, int maxGetBatch) : IKvEngine, ISqliteKvCheckpointer
{
    private readonly ConcurrentDictionary<PluginId, SqliteKvFile> _writers = new();
    private readonly ConcurrentDictionary<PluginId, Task> _checkpoints = new();
    private readonly ConcurrentDictionary<PluginId, SqliteKvReader> _readers = new();
    private static readonly TimeSpan ConnectionWait = TimeSpan.FromSeconds(1);
    private int _backgroundCheckpoints;
    private int _writerCheckpoints;

    /// <summary>Checkpoints started beside a writer, and run by a writer itself at the WAL's hard bound (tests read them).</summary>
    internal (int Background, int Writer) Checkpoints => (Volatile.Read(ref _backgroundCheckpoints), Volatile.Read(ref _writerCheckpoints));

    /// <summary>Plugins with a reader or a writer now (tests read them: nothing is held between requests).</summary>
    internal (int Readers, int Writers) Drains => (_readers.Count, _writers.Count);

    public async Task<KvWriteResult> WriteAsync(PluginId plugin, KvWrite write, CancellationToken cancellationToken)
    {
        while (true)
        {
            // A writer that just emptied its queue refuses more; the next one takes over.
            var file = _writers.GetOrAdd(plugin, p => new SqliteKvFile(p, database, Retire, checkpointPages, this));
            if (file.TryEnqueue(write, cancellationToken) is { } result)
                return await result.ConfigureAwait(false);
        }
    }

    public async Task<KvEntry?> GetAsync(PluginId plugin, string key, long now, CancellationToken cancellationToken)
    {
        while (true)
        {
            // A reader that just emptied its queue refuses more; the next one takes over (SqliteKvReader.cs).
            var reader = _readers.GetOrAdd(plugin, p => new SqliteKvReader(p, database, maxGetBatch, RetireReader));
            if (reader.TryEnqueue(key, now, cancellationToken) is { } entry)
                return await entry.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

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
        // A checkpoint's connection must be gone before the files are deleted (only a writer starts one).
        if (_checkpoints.TryGetValue(plugin, out var checkpoint))
            await checkpoint.ConfigureAwait(false);
    }

    // A container disposed synchronously (dev tools, tests) still flushes queued writes.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_writers.Values.Select(file => file.DrainedAsync())).ConfigureAwait(false);
        await Task.WhenAll(_checkpoints.Values).ConfigureAwait(false);
    }

    // A PASSIVE checkpoint beside the plugin's writer, on a pooled connection of its own, at most one per
    // plugin at a time (its writer starts the next only once it saw this one end). Failing (no connection
    // free, file busy) only leaves the WAL longer, which the writer's own bound catches; never throws.
    public Task CheckpointAsync(PluginId plugin)
    {
        Interlocked.Increment(ref _backgroundCheckpoints);
        var run = Task.Run(async () =>
        {
            try
            {
                // A short wait: a writer at the WAL's bound waits for this checkpoint, and may hold the last connection.
                using var wait = new CancellationTokenSource(ConnectionWait);
                await using var connection = await database.OpenServiceAsync(plugin, wait.Token).ConfigureAwait(false);
                SqliteKvCheckpoints.Passive(connection);
            }
            catch (Exception ex) when (ex is StorageException or Microsoft.Data.Sqlite.SqliteException or OperationCanceledException)
            {
                // No connection free in time, or the file is gone: the writer's own bound still holds.
            }
        });
        _checkpoints[plugin] = run;
        _ = run.ContinueWith(done => _checkpoints.TryRemove(KeyValuePair.Create(plugin, done)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return run;
    }

    public void WriterCheckpointed() => Interlocked.Increment(ref _writerCheckpoints);

    private void RetireReader(SqliteKvReader reader) => _readers.TryRemove(KeyValuePair.Create(reader.Plugin, reader));

    private void Retire(SqliteKvFile file) => _writers.TryRemove(KeyValuePair.Create(file.Plugin, file));
}
