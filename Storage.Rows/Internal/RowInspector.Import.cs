using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>Restoring exported rows, as the plugin's own role, all tables in one transaction.</summary>
internal sealed partial class RowInspector
{
    public async Task<IReadOnlyDictionary<string, int>> ImportAsync(PluginId plugin, IReadOnlyList<KeyValuePair<string, IReadOnlyList<JsonElement>>> tables,
        CancellationToken cancellationToken)
    {
        var targets = new List<(TableInfo Table, IReadOnlyList<JsonElement> Rows)>(tables.Count);
        foreach (var (name, rows) in tables)
            targets.Add((await catalog.TableAsync(plugin, name, cancellationToken).ConfigureAwait(false), rows));
        var written = new Dictionary<string, int>(StringComparer.Ordinal);
        await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Write, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (table, rows) in targets)
            {
                await using (var clear = connection.CreateCommand($"DELETE FROM {connection.Qualify(table.Name)}", transaction))
                    await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                var checkedRows = new List<(string Path, List<(string Name, JsonElement Value, string Path)> Fields)>(rows.Count);
                for (var i = 0; i < rows.Count; i++)
                {
                    var path = $"tables.{TableInfo.Shorten(table.Name)}[{i}]";
                    if (rows[i].ValueKind != JsonValueKind.Object)
                        throw StorageException.InvalidField(path, $"Field '{path}' must be an object of column values.");
                    // Generated columns are exported for reading; the database computes them again.
                    checkedRows.Add((path, rows[i].EnumerateObject()
                        .Where(p => table.Columns.FirstOrDefault(c => c.Name == p.Name) is not { Writable: false })
                        .Select(p => (p.Name, p.Value, $"{path}.{p.Name}")).ToList()));
                }
                if (connection.Provider == StorageProvider.Postgres && CopyRows(table, checkedRows) is { } copy
                    && await PostgresRowCopy.AllowedAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false))
                    await PostgresRowCopy.CopyAsync(connection, table, copy.Columns, copy.Rows, cancellationToken).ConfigureAwait(false);
                else if (checkedRows.Count > 0)
                    await RowStore.InsertRowsAsync(connection, transaction, table, checkedRows, cancellationToken).ConfigureAwait(false);
                if (connection.Provider == StorageProvider.Postgres)
                    await AdvanceSequencesAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false);
                written[table.Name] = rows.Count;
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }).ConfigureAwait(false);
        catalog.Invalidate(plugin);
        writes.Written(plugin);
        return written;
    }

    // COPY needs one column list for every row: an export has it (every row lists every column). Rows that
    // differ (a column left to its default in one row only) take the batched insert, which keeps defaults per row.
    private static (List<ColumnInfo> Columns, List<(string Path, object?[] Values)> Rows)? CopyRows(TableInfo table,
        List<(string Path, List<(string Name, JsonElement Value, string Path)> Fields)> rows)
    {
        if (rows.Count == 0)
            return null;
        var names = rows[0].Fields.Select(f => f.Name).ToList();
        if (rows.Any(r => !r.Fields.Select(f => f.Name).SequenceEqual(names)))
            return null;
        var columns = rows[0].Fields.Select(f => table.Column(f.Name, f.Path)).ToList();
        foreach (var missing in table.Columns.Where(c => c.Required && !columns.Contains(c)))
            throw StorageException.InvalidField($"{rows[0].Path}.{missing.Name}",
                $"Field '{rows[0].Path}.{missing.Name}' is required: column '{missing.Name}' is NOT NULL and has no default.");
        var values = rows.Select(r => (r.Path, r.Fields.Select((f, i) => RowValues.Convert(StorageProvider.Postgres, columns[i], f.Value, f.Path)).ToArray())).ToList();
        return (columns, values);
    }

    // Rows keep their ids, so a serial column's next value must come after the largest one imported.
    // SQLite's INTEGER PRIMARY KEY needs nothing: it continues from the largest rowid by itself.
    private static async Task AdvanceSequencesAsync(PluginConnection connection, System.Data.Common.DbTransaction transaction, TableInfo table, CancellationToken cancellationToken)
    {
        foreach (var column in table.Columns.Where(c => c.Kind == ColumnKind.Integer))
        {
            await using var command = connection.CreateCommand($"""
                SELECT pg_catalog.setval(s::pg_catalog.regclass, GREATEST(m, 1), m IS NOT NULL)
                  FROM (SELECT pg_catalog.pg_get_serial_sequence(@table, @column) AS s) AS q,
                       (SELECT max({column.Sql}) AS m FROM {connection.Qualify(table.Name)}) AS v
                 WHERE s IS NOT NULL
                """, transaction).With("table", connection.Qualify(table.Name)).With("column", column.Name);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
