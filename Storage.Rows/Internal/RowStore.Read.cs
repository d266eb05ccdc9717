using System.Data;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

internal sealed partial class RowStore
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public async Task<RowSelectResponse> SelectAsync(PluginId plugin, RowSelectRequest request, CancellationToken cancellationToken)
    {
        var table = await catalog.TableAsync(plugin, request.Table, cancellationToken).ConfigureAwait(false);
        var hasId = request.Id is { ValueKind: not JsonValueKind.Null };
        var hasIds = request.Ids is { ValueKind: not JsonValueKind.Null };
        var hasFilters = request.Filters is { ValueKind: not JsonValueKind.Null };
        if ((hasId ? 1 : 0) + (hasIds ? 1 : 0) + (hasFilters ? 1 : 0) != 1)
            throw OneOf("id", "ids", "filters");
        if (request.Random is not null && !hasFilters)
            throw StorageException.InvalidField("random", "Field 'random' goes with 'filters' (use {} to pick from every row).");
        if (request.Random is < 1 or > MaxLimit)
            throw StorageException.OutOfRange("random", $"between 1 and {MaxLimit}", request.Random);

        var budget = Budget();
        return await RunAsync(plugin, PluginAccess.Read, async (connection, sql) =>
        {
            sql.Append($"SELECT {Columns(table)} FROM {connection.Qualify(table.Name)} WHERE ");
            if (hasId)
            {
                var key = table.RequireKey("id");
                sql.Append($"{key.Sql} = {RowValues.Placeholder(sql, key, request.Id!.Value, "id")}");
                var rows = await QueryAsync(connection, sql, table, budget, null, cancellationToken).ConfigureAwait(false);
                return rows.Count == 0 ? new RowSelectResponse(Exists: false) : new RowSelectResponse(Exists: true, Row: rows[0]);
            }
            if (hasIds)
                return new RowSelectResponse(Rows: await ByIdsAsync(connection, sql, table, request.Ids!.Value, budget, cancellationToken).ConfigureAwait(false));
            sql.Append(new FilterCompiler(table, sql).Compile(request.Filters));
            if (request.Random is { } random)
            {
                sql.Append($" ORDER BY random() LIMIT {SqlText.Limit(random)}");
                return new RowSelectResponse(Rows: await QueryAsync(connection, sql, table, budget, null, cancellationToken).ConfigureAwait(false));
            }
            sql.Append($" ORDER BY {OrderBy(SortParser.Parse(table, null))} LIMIT {SqlText.Limit(MaxLimit + 1)}");
            var matched = await QueryAsync(connection, sql, table, budget, null, cancellationToken).ConfigureAwait(false);
            if (matched.Count > MaxLimit)
                throw new StorageException(StorageErrorCode.InvalidRequest,
                    $"Field 'filters' matches more than {MaxLimit} rows, the most select returns; use search to page through them or random to pick some.",
                    new Dictionary<string, object?> { ["field"] = "filters", ["limit"] = MaxLimit });
            return new RowSelectResponse(Rows: matched);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<JsonObject>> ByIdsAsync(PluginConnection connection, SqlText sql, TableInfo table, JsonElement ids, ResultBudget budget, CancellationToken cancellationToken)
    {
        var key = table.RequireKey("ids");
        if (ids.ValueKind != JsonValueKind.Array)
            throw StorageException.InvalidField("ids", "Field 'ids' must be a list of row ids.");
        var count = ids.GetArrayLength();
        if (count is 0 or > MaxLimit)
            throw StorageException.OutOfRange("ids", $"a list of 1 to {MaxLimit} ids", count);
        var placeholders = ids.EnumerateArray().Select((id, i) => id.ValueKind == JsonValueKind.Null
            ? throw StorageException.InvalidField($"ids[{i}]", $"Field 'ids[{i}]' must not be null.")
            : RowValues.Placeholder(sql, key, id, $"ids[{i}]")).ToList();
        sql.Append($"{key.Sql} IN ({string.Join(", ", placeholders)})");
        var rows = await QueryAsync(connection, sql, table, budget, null, cancellationToken).ConfigureAwait(false);
        // Rows come back in the order the ids were asked for; missing ids are left out.
        var byId = rows.ToDictionary(r => r[key.Name]!.ToJsonString(), StringComparer.Ordinal);
        var ordered = new List<JsonObject>(rows.Count);
        foreach (var id in ids.EnumerateArray())
            if (byId.Remove(RowReader.ToJson(connection.Provider, key, RowValues.Convert(connection.Provider, key, id, "ids")!)!.ToJsonString(), out var row))
                ordered.Add(row);
        return ordered;
    }

    private ResultBudget Budget() => replyLimits.Budget(options.Value.MaxResultBytes, "Rows:MaxResultBytes");

    private static Task<List<JsonObject>> QueryAsync(PluginConnection connection, SqlText sql, TableInfo table, ResultBudget budget,
        Func<ColumnInfo, bool>? include, CancellationToken cancellationToken) =>
        ReadAsync(connection, sql, reader => RowReader.ReadAllAsync(reader, table.Columns, budget, include, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs <paramref name="sql"/> and hands its reader to <paramref name="read"/>. When it is the lease's
    /// <paramref name="last"/> statement on a PostgreSQL plugin connection, the connection's reset rides in
    /// the same round trip (<see cref="PluginConnection.AddReset"/>) instead of one of its own on return.
    /// </summary>
    private static async Task<T> ReadAsync<T>(PluginConnection connection, SqlText sql, Func<DbDataReader, Task<T>> read, CancellationToken cancellationToken, bool last = true)
    {
        // SQLite: the statement stays prepared on the pooled connection for the next request of the same shape.
        var kept = RowCommands.Of(connection);
        var text = sql.ToString();
        var batch = kept is null && last ? ResetBatch(connection, sql) : null;
        var command = batch is not null ? null : kept is null ? sql.Create(connection) : sql.Bind(kept.Get(text));
        var stopped = false;
        var failed = true;
        try
        {
            // Sequential access: Npgsql does not buffer a whole row, so each value's size is known before it is read.
            var reader = batch is not null
                ? await batch.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false)
                : await command!.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            T result;
            try
            {
                result = await read(reader).ConfigureAwait(false);
                // The reset's completion (or its error) comes after the statement's rows.
                while (batch is not null && await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                }
            }
            catch (StorageException) when (connection.Provider == StorageProvider.Postgres)
            {
                // TOO_LARGE: stop the statement on the server instead of streaming the rest in to skip it.
                stopped = true;
                if (batch is not null)
                    batch.Cancel();
                else
                    command!.Cancel();
                throw;
            }
            finally
            {
                try
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                }
                catch (DbException) when (stopped)
                {
                    // The cancellation asked for above.
                }
            }
            failed = false;
            if (batch is not null)
                connection.ConfirmReset();
            return result;
        }
        finally
        {
            if (batch is not null)
                await batch.DisposeAsync().ConfigureAwait(false);
            else if (kept is null)
                await command!.DisposeAsync().ConfigureAwait(false);
            else if (failed)
                kept.Forget(text);
        }
    }

    // The statement and the connection's reset in one batch, or null where the connection has no reset to carry.
    private static DbBatch? ResetBatch(PluginConnection connection, SqlText sql)
    {
        var batch = connection.CreateBatch();
        if (batch is null)
            return null;
        sql.AddTo(batch);
        if (connection.AddReset(batch))
            return batch;
        batch.Dispose();
        return null;
    }

    private static string OrderBy(IReadOnlyList<SortKey> keys) =>
        keys.Count == 0 ? "1" : string.Join(", ", keys.Select(k => k.OrderBy));
}
