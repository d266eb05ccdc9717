using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// One plugin's SQLite KV: a single writer connection that commits queued writes in batches (one
/// transaction, one counter update per batch) and a small pool of reader connections with prepared
/// statements. WAL lets readers run while the writer commits.
/// </summary>
internal sealed class SqliteKvFile : IAsyncDisposable
{
    private const int MaxIdleReaders = 8;
    private readonly PluginId _plugin;
    private readonly IPluginDatabase _database;
    private readonly WriteBatcher<KvWrite, KvWriteResult> _writes;
    private readonly ConcurrentBag<Reader> _readers = new();
    private readonly SemaphoreSlim _setup = new(1, 1);
    private KvSql? _sql;
    private Writer? _writer;

    public SqliteKvFile(PluginId plugin, IPluginDatabase database)
    {
        _plugin = plugin;
        _database = database;
        _writes = new WriteBatcher<KvWrite, KvWriteResult>(ExecuteBatchAsync, maxBatch: 256, loops: 1);
    }

    public Task<KvWriteResult> WriteAsync(KvWrite write, CancellationToken cancellationToken) =>
        _writes.EnqueueAsync(write, cancellationToken);

    public async Task<T> ReadAsync<T>(Func<KvSql, CommandCache, T> read, CancellationToken cancellationToken)
    {
        if (!_readers.TryTake(out var reader))
            reader = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = read(_sql!, reader.Commands);
            if (_readers.Count < MaxIdleReaders)
            {
                _readers.Add(reader);
                reader = null;
            }
            return result;
        }
        finally
        {
            if (reader is not null)
                await reader.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writes.DisposeAsync().ConfigureAwait(false);
        if (_writer is not null)
            await _writer.DisposeAsync().ConfigureAwait(false);
        while (_readers.TryTake(out var reader))
            await reader.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ExecuteBatchAsync(IReadOnlyList<WriteBatcher<KvWrite, KvWriteResult>.Pending> batch)
    {
        var writer = _writer ??= new Writer(await OpenAsync(CancellationToken.None).ConfigureAwait(false));
        var results = new KvWriteResult[batch.Count];
        var errors = new StorageException?[batch.Count];
        try
        {
            await using var transaction = await writer.Connection.Connection.BeginTransactionAsync().ConfigureAwait(false);
            // Re-read the counter in every batch: the write lock is held, so another process sharing the file stays consistent.
            var start = Convert.ToInt64(writer.Commands.Get(_sql!.ReadCounter, transaction).ExecuteScalar(), CultureInfo.InvariantCulture);
            var revision = start;
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    results[i] = Apply(batch[i].Item, writer.Commands, transaction, ref revision);
                }
                catch (StorageException ex)
                {
                    errors[i] = ex; // Raised before the write touched the database.
                }
            }
            if (revision != start)
                writer.Commands.Get(_sql.WriteCounter, transaction).With("rev", revision).ExecuteNonQuery();
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The connection may be broken (file removed, disk error): start afresh next time.
            _writer = null;
            await writer.DisposeAsync().ConfigureAwait(false);
            throw ProviderErrors.Translate(ex) ?? throw new InvalidOperationException("KV batch failed.", ex);
        }
        for (var i = 0; i < batch.Count; i++)
        {
            if (errors[i] is { } error)
                batch[i].Completion.TrySetException(error);
            else
                batch[i].Completion.TrySetResult(results[i]);
        }
    }

    private KvWriteResult Apply(KvWrite write, CommandCache commands, DbTransaction transaction, ref long revision)
    {
        var sql = _sql!;
        if (write.Kind == KvWriteKind.Incr)
            return ApplyIncr(write, commands, transaction, ref revision);
        var command = commands.Get(sql.Write(write.Kind), transaction)
            .With("key", write.Key).With("now", write.Now);
        if (write.Kind == KvWriteKind.Delete)
            return new KvWriteResult(command.ExecuteScalar() is not null);
        command.With("value", write.Value).With("expires", write.ExpiresAt).With("rev", revision + 1);
        if (write.Kind == KvWriteKind.SetIfRevision)
            command.With("expected", write.ExpectedRevision);
        if (command.ExecuteScalar() is null)
            return KvWriteResult.NotApplied;
        revision++;
        return new KvWriteResult(true, revision);
    }

    private KvWriteResult ApplyIncr(KvWrite write, CommandCache commands, DbTransaction transaction, ref long revision)
    {
        var current = ReadEntry(commands.Get(_sql!.Get, transaction), write.Key, write.Now);
        if (!KvCounter.TryAdd(write, current, out var next, out var expires))
            return KvWriteResult.NotApplied;
        var command = commands.Get(_sql.Write(KvWriteKind.Set), transaction)
            .With("key", write.Key).With("now", write.Now).With("rev", revision + 1)
            .With("value", next.ToString(CultureInfo.InvariantCulture)).With("expires", expires);
        command.ExecuteScalar();
        revision++;
        return new KvWriteResult(true, revision, next);
    }

    internal static KvEntry? ReadEntry(DbCommand get, string key, long now)
    {
        get.With("key", key).With("now", now);
        using var reader = get.ExecuteReader();
        return reader.Read()
            ? new KvEntry(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2))
            : null;
    }

    private async Task<Reader> OpenReaderAsync(CancellationToken cancellationToken) =>
        new(await OpenAsync(cancellationToken).ConfigureAwait(false));

    private async Task<PluginConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenServiceAsync(_plugin, cancellationToken).ConfigureAwait(false);
        if (_sql is null)
        {
            await _setup.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_sql is null)
                {
                    var sql = KvSql.Sqlite;
                    await using var create = connection.CreateCommand(sql.CreateTables);
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    Storage.Core.Internal.SqliteServiceTables.Verify(connection);
                    _sql = sql;
                }
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                _setup.Release();
            }
        }
        return connection;
    }

    private class Reader(PluginConnection connection) : IAsyncDisposable
    {
        public PluginConnection Connection { get; } = connection;

        public CommandCache Commands { get; } = new(connection.Connection);

        public async ValueTask DisposeAsync()
        {
            Commands.Dispose();
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class Writer(PluginConnection connection) : Reader(connection);
}
