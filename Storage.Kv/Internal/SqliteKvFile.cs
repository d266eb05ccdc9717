using System.Data.Common;
using System.Globalization;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;

namespace Storage.Kv.Internal;

/// <summary>
/// One plugin's SQLite KV writes while any are queued: a single drain commits them in batches (one
/// transaction, one counter update per batch) on one connection rented from Core's pool for the
/// plugin's file. It holds that connection until the queue is empty, so Core never closes a file with
/// writes queued; then the writer retires (the engine forgets it) and holds nothing. Reads rent a
/// pooled connection per request. Every connection carries its prepared statements (<see cref="KvConnection"/>).
/// </summary>
internal sealed partial class SqliteKvFile
{
    private const int MaxBatch = 256;
    private readonly IPluginDatabase _database;
    private readonly int _checkpointPages;
    private readonly ISqliteKvCheckpointer _checkpointer;
    private readonly PluginDrainQueue<WriteBatcher<KvWrite, KvWriteResult>.Pending> _queue;

    public SqliteKvFile(PluginId plugin, IPluginDatabase database, Action<SqliteKvFile> retire, int checkpointPages, ISqliteKvCheckpointer checkpointer)
    {
        _checkpointer = checkpointer;
        Plugin = plugin;
        _database = database;
        _queue = new(DrainAsync, () => retire(this));
        _checkpointPages = checkpointPages;
    }

    public PluginId Plugin { get; }

    /// <summary>Queues a write; null when this writer has retired (the caller takes a new one).</summary>
    public Task<KvWriteResult>? TryEnqueue(KvWrite write, CancellationToken cancellationToken)
    {
        // Once queued a write may commit at any moment, so cancellation is honoured only before.
        cancellationToken.ThrowIfCancellationRequested();
        // Callers resume on the writer right after the commit: measured, handing them to the thread pool
        // cost more CPU per write and lower throughput on 2 cores than the replies it moved off (docs/performance.md).
        var pending = new WriteBatcher<KvWrite, KvWriteResult>.Pending(write);
        return _queue.TryEnqueue(pending) ? pending.Completion.Task : null;
    }

    /// <summary>Completes when every write queued so far has committed or failed.</summary>
    public Task DrainedAsync() => _queue.Drained;

    private async Task DrainAsync()
    {
        PluginConnection? connection = null;
        try
        {
            while (true)
            {
                var batch = new List<WriteBatcher<KvWrite, KvWriteResult>.Pending>();
                if (!_queue.TryTake(batch, MaxBatch))
                    return;
                Action settle;
                try
                {
                    if (connection is null)
                    {
                        connection = await _database.OpenServiceAsync(Plugin, CancellationToken.None).ConfigureAwait(false);
                        SqliteKvCheckpoints.Hold(connection);
                    }
                    var kv = KvConnection.Of(connection);
                    settle = await ExecuteBatchAsync(kv, batch).ConfigureAwait(false);
                    // Counts the batch's WAL pages; at most starts a checkpoint elsewhere (past the hard bound, runs one here).
                    await SqliteKvCheckpoints.Of(connection).CommittedAsync(connection, _checkpointPages, _checkpointer).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Exception error = (Exception?)ProviderErrors.Translate(ex) ?? new InvalidOperationException("KV batch failed.", ex);
                    settle = () => batch.ForEach(pending => pending.Completion.TrySetException(error));
                    // The connection may be broken (file removed, disk error): start afresh with the next batch.
                    if (connection is not null)
                        await ReleaseAsync(connection).ConfigureAwait(false);
                    connection = null;
                }
                var last = _queue.RetireIfEmpty();
                // The last batch gives its connection back before its callers resume, so a caller
                // that saw its write complete finds the plugin idle (closable) at once.
                if (last && connection is not null)
                {
                    await ReleaseAsync(connection).ConfigureAwait(false);
                    connection = null;
                }
                settle();
                if (last)
                    return;
            }
        }
        finally
        {
            if (connection is not null)
                await ReleaseAsync(connection).ConfigureAwait(false);
        }
    }

    private ValueTask ReleaseAsync(PluginConnection connection)
    {
        SqliteKvCheckpoints.Release(connection);
        return connection.DisposeAsync();
    }

    // Commits the batch; returns how to settle its callers (done by the drain once it decided about its connection).
    private static async Task<Action> ExecuteBatchAsync(KvConnection kv, List<WriteBatcher<KvWrite, KvWriteResult>.Pending> batch)
    {
        var (sql, commands) = (kv.Sql, kv.Commands);
        var results = new KvWriteResult[batch.Count];
        var errors = new StorageException?[batch.Count];
        await using (var transaction = await commands.Connection.BeginTransactionAsync().ConfigureAwait(false))
        {
            // Re-read the counter in every batch: the write lock is held, so another process sharing the file stays consistent.
            var start = Convert.ToInt64(commands.Get(sql.ReadCounter, transaction).ExecuteScalar(), CultureInfo.InvariantCulture);
            var revision = start;
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    results[i] = Apply(kv, batch[i].Item, transaction, ref revision);
                }
                catch (StorageException ex)
                {
                    errors[i] = ex; // Raised before the write touched the database.
                }
            }
            if (revision != start)
                commands.Get(sql.WriteCounter, transaction).With("rev", revision).ExecuteNonQuery();
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        return () =>
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (errors[i] is { } error)
                    batch[i].Completion.TrySetException(error);
                else
                    batch[i].Completion.TrySetResult(results[i]);
            }
        };
    }

    private static KvWriteResult Apply(KvConnection kv, KvWrite write, DbTransaction transaction, ref long revision)
    {
        var (sql, commands) = (kv.Sql, kv.Commands);
        if (write.Kind == KvWriteKind.Incr)
            return ApplyIncr(sql, write, commands, transaction, ref revision);
        if (write.Kind is KvWriteKind.Set or KvWriteKind.SetIfAbsent)
        {
            if (!(write.Kind == KvWriteKind.Set ? kv.Set : kv.SetIfAbsent).Write(write, revision + 1))
                return KvWriteResult.NotApplied;
            revision++;
            return new KvWriteResult(true, revision);
        }
        var command = commands.Get(sql.Write(write.Kind), transaction)
            .With("key", write.Key).With("now", write.Now);
        if (write.Kind == KvWriteKind.Delete)
            return new KvWriteResult(command.ExecuteScalar() is not null);
        // Only set-if-revision is left: rare enough to keep on the command path.
        command.With("value", write.Value).With("expires", write.ExpiresAt).With("rev", revision + 1)
            .With("expected", write.ExpectedRevision);
        if (command.ExecuteScalar() is null)
            return KvWriteResult.NotApplied;
        revision++;
        return new KvWriteResult(true, revision);
    }

    private static KvWriteResult ApplyIncr(KvSql sql, KvWrite write, CommandCache commands, DbTransaction transaction, ref long revision)
    {
        var current = ReadEntry(commands.Get(sql.Get, transaction), write.Key, write.Now);
        long next;
        long? expires;
        try
        {
            if (!KvCounter.TryAdd(write, current, out next, out expires))
                return KvWriteResult.NotApplied;
        }
        finally
        {
            current?.Return();
        }
        var command = commands.Get(sql.Write(KvWriteKind.Set), transaction)
            .With("key", write.Key).With("now", write.Now).With("rev", revision + 1)
            .With("value", next.ToString(CultureInfo.InvariantCulture)).With("expires", expires);
        command.ExecuteScalar();
        revision++;
        return new KvWriteResult(true, revision, next);
    }
}
