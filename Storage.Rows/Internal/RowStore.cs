using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// The row tier over <see cref="IPluginDatabase"/>. Statements are built here by hand: identifiers
/// only from <see cref="RowCatalog"/>, quoted, and values only as parameters. They run on plugin
/// connections, so the database itself keeps them inside the plugin's schema or file. Every
/// request runs under <c>Rows:StatementTimeoutMs</c> and reads under a byte budget.
/// </summary>
internal sealed partial class RowStore(IPluginDatabase database, RowCatalog catalog, IOptions<RowsOptions> options, ReplyLimits replyLimits, PluginWrites writes) : IRowStore
{
    public const int MaxBatch = 1000;

    public async Task<RowInsertResponse> InsertAsync(PluginId plugin, RowInsertRequest request, CancellationToken cancellationToken)
    {
        var table = await catalog.TableAsync(plugin, request.Table, cancellationToken).ConfigureAwait(false);
        var data = request.Data ?? throw StorageException.InvalidField("data", "Field 'data' is required: an object or a list of objects.");
        if (data.ValueKind == JsonValueKind.Object)
        {
            var id = await RunAsync(plugin, PluginAccess.Write, (connection, _) =>
                InsertRowAsync(connection, null, table, "data", Fields(data, "data"), cancellationToken), cancellationToken).ConfigureAwait(false);
            return new RowInsertResponse(id, null, JsonValue.Create(true));
        }
        if (data.ValueKind != JsonValueKind.Array)
            throw StorageException.InvalidField("data", "Field 'data' must be an object or a list of objects.");
        var count = data.GetArrayLength();
        if (count is 0 or > MaxBatch)
            throw StorageException.OutOfRange("data", $"a list of 1 to {MaxBatch} rows", count);
        var rows = data.EnumerateArray().Select((row, i) => (Path: $"data[{i}]", Fields: Fields(row, $"data[{i}]"))).ToList();
        var ids = await RunAsync(plugin, PluginAccess.Write, async (connection, _) =>
        {
            await using var transaction = await connection.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var ids = await InsertRowsAsync(connection, transaction, table, rows, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return ids;
        }, cancellationToken).ConfigureAwait(false);
        return new RowInsertResponse(null, ids, JsonValue.Create(ids.Count));
    }

    /// <summary>Inserts one row and returns its id (null when the table has no single-column key).</summary>
    internal static async Task<JsonNode?> InsertRowAsync(PluginConnection connection, DbTransaction? transaction, TableInfo table, string prefix,
        List<(string Name, JsonElement Value, string Path)> fields, CancellationToken cancellationToken)
    {
        await using var command = InsertSql(connection, table, prefix, fields).Create(connection, transaction);
        if (table.Key is null)
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }
        var id = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return id is null or DBNull ? null : RowReader.ToJson(connection.Provider, table.Key, id);
    }

    /// <summary>The checked <c>INSERT ... RETURNING key</c> of one row; INVALID_REQUEST naming the field for a bad value.</summary>
    internal static SqlText InsertSql(PluginConnection connection, TableInfo table, string prefix, List<(string Name, JsonElement Value, string Path)> fields)
    {
        var sql = new SqlText(connection.Provider);
        var columns = new List<ColumnInfo>();
        var values = new List<string>();
        foreach (var (name, value, path) in fields)
        {
            var column = table.Column(name, path);
            if (!column.Writable)
                throw StorageException.InvalidField(path, $"Field '{path}': column '{column.Name}' is generated and cannot be written.");
            columns.Add(column);
            values.Add(RowValues.Placeholder(sql, column, value, path));
        }
        foreach (var missing in table.Columns.Where(c => c.Required && !columns.Contains(c)))
            throw StorageException.InvalidField($"{prefix}.{missing.Name}",
                $"Field '{prefix}.{missing.Name}' is required: column '{missing.Name}' is NOT NULL and has no default.");
        sql.Append("INSERT INTO ").Append(connection.Qualify(table.Name));
        sql.Append(columns.Count == 0
            ? " DEFAULT VALUES"
            : $" ({string.Join(", ", columns.Select(c => c.Sql))}) VALUES ({string.Join(", ", values)})");
        if (table.Key is { } key)
            sql.Append(" RETURNING ").Append(key.Sql);
        return sql;
    }

    private static List<(string Name, JsonElement Value, string Path)> Fields(JsonElement row, string path)
    {
        if (row.ValueKind != JsonValueKind.Object)
            throw StorageException.InvalidField(path, $"Field '{path}' must be an object of column values.");
        return row.EnumerateObject().Select(p => (p.Name, p.Value, $"{path}.{p.Name}")).ToList();
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a plugin connection and translates database errors. An
    /// unknown table or column, or a type error, from the database itself may mean the cached catalog
    /// is stale (a table changed by plugin SQL), so it is dropped and the next request reads it again.
    /// </summary>
    private async Task<T> RunAsync<T>(PluginId plugin, PluginAccess access, Func<PluginConnection, SqlText, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await ProviderErrors.GuardAsync(async () =>
            {
                await using var connection = await database.OpenPluginAsync(plugin, access, cancellationToken).ConfigureAwait(false);
                using var deadline = StatementDeadline.Start(connection, options.Value.StatementTimeoutMs, cancellationToken);
                return await action(connection, new SqlText(connection.Provider)).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (StorageException ex) when (ex.InnerException is DbException && ex.Code is StorageErrorCode.NotFound or StorageErrorCode.InvalidRequest)
        {
            catalog.Invalidate(plugin);
            throw;
        }
        finally
        {
            // Cached SQL results of the plugin (opt-in cache_ms) were read before this write: retire them.
            if (access != PluginAccess.Read)
                writes.Written(plugin);
        }
    }

    private static string Columns(TableInfo table) => string.Join(", ", table.Columns.Select(c => c.Sql));

    // details.field names the first choice ("id"); details.fields lists them all.
    private static StorageException OneOf(params string[] fields) =>
        new(StorageErrorCode.InvalidRequest,
            $"Give exactly one of {string.Join(", ", fields[..^1].Select(f => $"'{f}'"))} or '{fields[^1]}'.",
            new Dictionary<string, object?> { ["field"] = fields[0], ["fields"] = string.Join(",", fields) });
}
