using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// The KV tier over <see cref="IPluginDatabase"/>. Data lives in the plugin's own schema or file in
/// the service table <c>_storage_kv</c>; every write is one transaction, so nothing is half-written.
/// </summary>
internal sealed class KvStore(IPluginDatabase database, IOptions<KvOptions> options, TimeProvider clock) : IKvStore
{
    private readonly ConcurrentDictionary<PluginId, Lazy<Task>> _tables = new();
    private readonly int _maxValueBytes = options.Value.MaxValueBytes;

    public Task<KvSetResponse> SetAsync(PluginId plugin, KvSetRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        if (request.Value is not { } value)
            throw StorageException.InvalidField("value", "Field 'value' is required (any JSON value, null included).");
        var json = value.GetRawText();
        var size = Encoding.UTF8.GetByteCount(json);
        if (size > _maxValueBytes)
            throw StorageException.OutOfRange("value", $"at most {_maxValueBytes} bytes serialized", $"{size} bytes", StorageErrorCode.TooLarge);
        if (request.IfAbsent == true && request.IfRevision is not null)
            throw StorageException.InvalidField("if_revision", "Fields 'if_absent' and 'if_revision' cannot be used together.");
        if (request.IfRevision is < 1)
            throw StorageException.OutOfRange("if_revision", "a revision >= 1", request.IfRevision);
        var now = Now();
        var expires = KvValidation.ExpiresAt(request.Ttl, now);

        return WriteAsync(plugin, async (sql, connection, transaction) =>
        {
            var statement = request.IfAbsent == true ? sql.SetIfAbsent : request.IfRevision is not null ? sql.SetIfRevision : sql.Set;
            await using var command = await PrepareAsync(sql, connection, transaction, statement, cancellationToken);
            command.With("key", key).With("value", json).With("expires", expires).With("now", now);
            if (request.IfRevision is { } expected)
                command.With("expected", expected);
            var revision = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (revision is null or DBNull)
                throw request.IfAbsent == true
                    ? new StorageException(StorageErrorCode.Conflict, $"Key '{key}' already exists (if_absent).", new Dictionary<string, object?> { ["field"] = "if_absent", ["key"] = key })
                    : new StorageException(StorageErrorCode.Conflict, $"Key '{key}' is not at revision {request.IfRevision} (if_revision).", new Dictionary<string, object?> { ["field"] = "if_revision", ["key"] = key, ["expected"] = request.IfRevision });
            return new KvSetResponse(Convert.ToInt64(revision, CultureInfo.InvariantCulture));
        }, cancellationToken);
    }

    public Task<KvGetResponse> GetAsync(PluginId plugin, KvGetRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        return ReadAsync(plugin, async (sql, connection) =>
        {
            await using var command = connection.CreateCommand(sql.Get).With("key", key).With("now", Now());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                return new KvGetResponse(false);
            using var document = JsonDocument.Parse(reader.GetString(0));
            DateTimeOffset? expiresAt = reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2));
            return new KvGetResponse(true, document.RootElement.Clone(), reader.GetInt64(1), expiresAt);
        }, cancellationToken);
    }

    public Task<KvDeleteResponse> DeleteAsync(PluginId plugin, KvDeleteRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        return WriteAsync(plugin, async (sql, connection, transaction) =>
        {
            await using var command = connection.CreateCommand(sql.Delete, transaction).With("key", key).With("now", Now());
            return new KvDeleteResponse(await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0);
        }, cancellationToken);
    }

    public Task<KvListResponse> ListAsync(PluginId plugin, KvListRequest request, CancellationToken cancellationToken)
    {
        var limit = KvValidation.Limit(request.Limit);
        var prefix = KvValidation.Optional(request.Prefix, "prefix");
        var after = KvValidation.Optional(request.After, "after");
        var hasPrefix = !string.IsNullOrEmpty(prefix);
        var upper = hasPrefix ? KvValidation.PrefixUpperBound(prefix!) : null;
        return ReadAsync(plugin, async (sql, connection) =>
        {
            await using var command = connection.CreateCommand(sql.List(hasPrefix, upper is not null, after is not null))
                .With("now", Now()).With("take", limit + 1);
            if (hasPrefix)
                command.With("prefix", prefix);
            if (upper is not null)
                command.With("upper", upper);
            if (after is not null)
                command.With("after", after);
            var keys = new List<string>(Math.Min(limit + 1, 1024));
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    keys.Add(reader.GetString(0));
            var truncated = keys.Count > limit;
            if (truncated)
                keys.RemoveAt(keys.Count - 1);
            return new KvListResponse(keys, truncated, truncated ? keys[^1] : null);
        }, cancellationToken);
    }

    public Task<KvIncrResponse> IncrAsync(PluginId plugin, KvIncrRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        var by = request.By ?? 1;
        var now = Now();
        var expires = KvValidation.ExpiresAt(request.Ttl, now);
        return WriteAsync(plugin, async (sql, connection, transaction) =>
        {
            long current = 0;
            long? currentExpiry = null;
            var exists = false;
            await using (var read = connection.CreateCommand(sql.GetForUpdate, transaction).With("key", key).With("now", now))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    exists = true;
                    var text = reader.GetString(0);
                    if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out current) || !IsPlainInteger(text))
                        throw new StorageException(StorageErrorCode.Conflict, $"Key '{key}' holds a value that is not an integer; incr needs an integer.", new Dictionary<string, object?> { ["key"] = key });
                    currentExpiry = reader.IsDBNull(2) ? null : reader.GetInt64(2);
                }
            }
            long next;
            try
            {
                next = checked(current + by);
            }
            catch (OverflowException)
            {
                throw new StorageException(StorageErrorCode.Conflict, $"Incrementing key '{key}' by {by} overflows a 64-bit integer.", new Dictionary<string, object?> { ["key"] = key, ["field"] = "by" });
            }
            // A ttl resets the expiry; without one an existing counter keeps its own.
            var nextExpiry = request.Ttl is null ? currentExpiry : expires;
            await using var write = await PrepareAsync(sql, connection, transaction, exists ? sql.Update : sql.Insert, cancellationToken);
            write.With("key", key).With("value", next.ToString(CultureInfo.InvariantCulture)).With("expires", nextExpiry).With("now", now);
            var revision = await write.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (revision is null or DBNull)
                throw new RetryException();
            return new KvIncrResponse(next, Convert.ToInt64(revision, CultureInfo.InvariantCulture));
        }, cancellationToken);
    }

    /// <summary>Deletes expired entries of one plugin; returns how many.</summary>
    public Task<int> SweepAsync(PluginId plugin, CancellationToken cancellationToken) =>
        WriteAsync(plugin, async (sql, connection, transaction) =>
        {
            await using var command = connection.CreateCommand(sql.Sweep, transaction).With("now", Now());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static bool IsPlainInteger(string text) =>
        text.Length > 0 && (text[0] == '-' ? text.Length > 1 && text.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0 : text.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0);

    private static async Task<DbCommand> PrepareAsync(KvSql sql, PluginConnection connection, DbTransaction transaction, string statement, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand(statement, transaction);
        if (!sql.IsPostgres)
        {
            await using var next = connection.CreateCommand(sql.NextSqliteRevision, transaction);
            command.With("rev", await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }
        return command;
    }

    private async Task<T> ReadAsync<T>(PluginId plugin, Func<KvSql, PluginConnection, Task<T>> action, CancellationToken cancellationToken) =>
        await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await OpenAsync(plugin, cancellationToken).ConfigureAwait(false);
            return await action(new KvSql(connection), connection).ConfigureAwait(false);
        }).ConfigureAwait(false);

    private async Task<T> WriteAsync<T>(PluginId plugin, Func<KvSql, PluginConnection, DbTransaction, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ProviderErrors.GuardAsync(async () =>
                {
                    await using var connection = await OpenAsync(plugin, cancellationToken).ConfigureAwait(false);
                    await using var transaction = await connection.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    var result = await action(new KvSql(connection), connection, transaction).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < 5 && (ex is RetryException || ex is StorageException { Code: StorageErrorCode.Conflict, Details: var d } && d.ContainsKey("sqlstate")))
            {
                // A concurrent insert of the same key (PostgreSQL) or a serialization failure: run again.
            }
        }
    }

    private async Task<PluginConnection> OpenAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureTablesAsync(plugin, connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Task EnsureTablesAsync(PluginId plugin, PluginConnection connection, CancellationToken cancellationToken)
    {
        var lazy = _tables.GetOrAdd(plugin, _ => new Lazy<Task>(async () =>
        {
            // Other service instances may create the same tables at the same moment; PostgreSQL's
            // CREATE ... IF NOT EXISTS is not safe against that, so creation is serialized per schema.
            var sql = new KvSql(connection);
            await using var transaction = await connection.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (sql.IsPostgres)
            {
                await using var lockCommand = connection.CreateCommand(KvSql.LockForCreate, transaction).With("scope", connection.Schema ?? plugin.Value);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var command = connection.CreateCommand(sql.CreateTables, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
            _tables.TryRemove(new KeyValuePair<PluginId, Lazy<Task>>(plugin, lazy));
        return task;
    }

    private sealed class RetryException : Exception;
}
