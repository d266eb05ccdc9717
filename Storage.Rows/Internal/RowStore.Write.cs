using System.Data.Common;
using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

internal sealed partial class RowStore
{
    public async Task<RowUpdateResponse> UpdateAsync(PluginId plugin, RowUpdateRequest request, CancellationToken cancellationToken)
    {
        var table = await catalog.TableAsync(plugin, request.Table, cancellationToken).ConfigureAwait(false);
        Target(request.Id, request.Filters, request.All, "update");
        var operations = UpdateCompiler.Parse(table, request.Data, request.Operations);
        if (request.Upsert != true)
        {
            var updated = await RunAsync(plugin, PluginAccess.Write, (connection, sql) =>
                UpdateRowsAsync(connection, null, sql, table, request, operations, cancellationToken), cancellationToken).ConfigureAwait(false);
            return new RowUpdateResponse(updated, updated);
        }
        var insert = UpsertFields(table, request, operations);
        return await RunAsync(plugin, PluginAccess.Write, async (connection, sql) =>
        {
            // Upserts on one table are serialized: SQLite's write transaction (BEGIN IMMEDIATE) locks the file;
            // on PostgreSQL a lock on the plugin's own table, taken as the plugin (SHARE ROW EXCLUSIVE conflicts
            // with itself and with writes, not with reads), whether or not the filter is a unique key. Another
            // plugin cannot take it: it has no right on this table.
            await using var transaction = await connection.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (connection.Provider == StorageProvider.Postgres)
            {
                await using var lockCommand = connection.CreateCommand($"LOCK TABLE {connection.Qualify(table.Name)} IN SHARE ROW EXCLUSIVE MODE", transaction);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var updated = await UpdateRowsAsync(connection, transaction, sql, table, request, operations, cancellationToken).ConfigureAwait(false);
            RowUpdateResponse response;
            if (updated > 0)
            {
                response = new RowUpdateResponse(updated, updated);
            }
            else
            {
                var id = await InsertRowAsync(connection, transaction, table, "upsert", insert, cancellationToken).ConfigureAwait(false);
                response = new RowUpdateResponse(0, 0, id);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RowDeleteResponse> DeleteAsync(PluginId plugin, RowDeleteRequest request, CancellationToken cancellationToken)
    {
        var table = await catalog.TableAsync(plugin, request.Table, cancellationToken).ConfigureAwait(false);
        Target(request.Id, request.Filters, request.All, "delete");
        var deleted = await RunAsync(plugin, PluginAccess.Write, async (connection, sql) =>
        {
            sql.Append($"DELETE FROM {connection.Qualify(table.Name)} WHERE {Where(sql, table, request.Id, request.Filters)}");
            await using var command = sql.Create(connection);
            return (long)await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new RowDeleteResponse(deleted);
    }

    private static async Task<long> UpdateRowsAsync(PluginConnection connection, DbTransaction? transaction, SqlText sql, TableInfo table,
        RowUpdateRequest request, List<UpdateOperation> operations, CancellationToken cancellationToken)
    {
        sql.Append($"UPDATE {connection.Qualify(table.Name)} SET {UpdateCompiler.SetList(sql, operations)} WHERE {Where(sql, table, request.Id, request.Filters)}");
        await using var command = sql.Create(connection, transaction);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Where(SqlText sql, TableInfo table, JsonElement? id, JsonElement? filters)
    {
        if (id is { ValueKind: not JsonValueKind.Null } value)
        {
            var key = table.RequireKey("id");
            return $"{key.Sql} = {RowValues.Placeholder(sql, key, value, "id")}";
        }
        return new FilterCompiler(table, sql).Compile(filters);
    }

    // Empty filters would touch every row: only with an explicit "all": true.
    private static void Target(JsonElement? id, JsonElement? filters, bool? all, string operation)
    {
        var hasId = id is { ValueKind: not JsonValueKind.Null };
        var hasFilters = filters is { ValueKind: not JsonValueKind.Null };
        if (hasId && hasFilters)
            throw OneOf("id", "filters");
        if (!hasId && FilterCompiler.IsEmpty(filters) && all != true)
            throw StorageException.InvalidField("filters",
                $"Field 'filters' is empty, which would {operation} every row; pass \"all\": true to mean that.");
    }

    /// <summary>
    /// What an upsert inserts when nothing matches: the id, or the filter's top-level equality fields
    /// (<c>{"f": v}</c> or <c>{"f": {"$eq": v}}</c>), overridden by the operations' values.
    /// </summary>
    private static List<(string Name, JsonElement Value, string Path)> UpsertFields(TableInfo table, RowUpdateRequest request, List<UpdateOperation> operations)
    {
        var values = new Dictionary<string, (JsonElement Value, string Path)>(StringComparer.Ordinal);
        if (request.Id is { ValueKind: not JsonValueKind.Null } id)
            values[table.RequireKey("id").Name] = (id, "id");
        else if (request.Filters is { ValueKind: JsonValueKind.Object } filters)
        {
            foreach (var p in filters.EnumerateObject().Where(p => !p.Name.StartsWith('$')))
            {
                if (p.Value.ValueKind != JsonValueKind.Object)
                    values[p.Name] = (p.Value, $"filters.{p.Name}");
                else if (p.Value.TryGetProperty("$eq", out var eq) && p.Value.EnumerateObject().Count() == 1)
                    values[p.Name] = (eq, $"filters.{p.Name}.$eq");
            }
        }
        foreach (var o in operations)
            values[o.Column.Name] = (UpdateCompiler.InsertValue(o), o.Path);
        return values.Select(v => (v.Key, v.Value.Value, v.Value.Path)).ToList();
    }
}
