using System.Data.Common;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Reads columns, defaults and indexes for <c>describe</c> on a service connection: PostgreSQL
/// <c>pg_catalog</c> of the plugin's schema, SQLite <c>pragma_table_xinfo</c>/<c>pragma_index_list</c>
/// of the plugin's file. Types and defaults are reported in portable form (<see cref="PortableTypes"/>),
/// so one migration describes the same on both backends.
/// </summary>
internal static class DescribeReader
{
    private const string PostgresColumns = """
        SELECT cl.relname, a.attname, t.typname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '',
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisprimary AND a.attnum = ANY (i.indkey::int2[]))
        FROM pg_class cl
        JOIN pg_namespace n ON n.oid = cl.relnamespace
        JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef d ON d.adrelid = cl.oid AND d.adnum = a.attnum
        WHERE n.nspname = @schema AND cl.relkind IN ('r', 'p')
        """;

    private const string PostgresIndexes = """
        SELECT t.relname, ic.relname, ix.indisunique,
               ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o)
        FROM pg_index ix
        JOIN pg_class ic ON ic.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = @schema AND NOT ix.indisprimary
        """;

    private const string SqliteColumns = """
        SELECT m.name, c.name, c.type, c."notnull", c.dflt_value, c.pk,
               (SELECT COUNT(*) FROM pragma_table_info(m.name) k WHERE k.pk > 0)
        FROM sqlite_master m, pragma_table_xinfo(m.name) c
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND c.hidden <> 1
        """;

    private const string SqliteIndexes = """
        SELECT m.name, il.name, il."unique", ii.name
        FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND il.origin <> 'pk'
        ORDER BY m.name, il.name, ii.seqno
        """;

    public static async Task<List<RowTableDescription>> ReadAsync(PluginConnection connection, CancellationToken cancellationToken)
    {
        var columns = new Dictionary<string, List<RowColumnDescription>>(StringComparer.Ordinal);
        var indexes = new Dictionary<string, Dictionary<string, (List<string> Columns, bool Unique)>>(StringComparer.Ordinal);
        var postgres = connection.Provider == StorageProvider.Postgres;
        await using (var command = Command(connection, postgres ? PostgresColumns : SqliteColumns))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                Add(columns, reader.GetString(0), postgres ? PostgresColumn(reader) : SqliteColumn(reader));
        }
        await using (var command = Command(connection, postgres ? PostgresIndexes : SqliteIndexes))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!indexes.TryGetValue(reader.GetString(0), out var byName))
                    indexes[reader.GetString(0)] = byName = new(StringComparer.Ordinal);
                var name = reader.GetString(1);
                if (!byName.TryGetValue(name, out var index))
                    byName[name] = index = ([], postgres ? reader.GetBoolean(2) : reader.GetInt64(2) == 1);
                if (postgres)
                    index.Columns.AddRange((string[])reader.GetValue(3));
                else if (!reader.IsDBNull(3))
                    index.Columns.Add(reader.GetString(3));
            }
        }
        return columns
            .Where(t => !ServiceTables.IsReserved(t.Key))
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new RowTableDescription(
                t.Key,
                t.Value.OrderBy(c => c.Name, StringComparer.Ordinal).ToList(),
                indexes.TryGetValue(t.Key, out var i)
                    ? i.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => new RowIndexDescription(x.Key, x.Value.Columns, x.Value.Unique)).ToList()
                    : []))
            .ToList();
    }

    private static DbCommand Command(PluginConnection connection, string sql) =>
        connection.Provider == StorageProvider.Postgres ? connection.CreateCommand(sql).With("schema", connection.Schema) : connection.CreateCommand(sql);

    private static RowColumnDescription PostgresColumn(DbDataReader reader)
    {
        var kind = CatalogReader.PostgresKind(reader.GetString(2));
        var expression = reader.IsDBNull(4) ? null : reader.GetString(4);
        var assigned = kind == ColumnKind.Integer && (reader.GetBoolean(5) || expression?.StartsWith("nextval(", StringComparison.Ordinal) == true);
        var type = PortableTypes.Name(kind, reader.GetString(2), assigned);
        return new RowColumnDescription(reader.GetString(1), type, !reader.GetBoolean(3), reader.GetBoolean(6), assigned ? null : PortableTypes.Default(expression, type));
    }

    private static RowColumnDescription SqliteColumn(DbDataReader reader)
    {
        var declared = reader.IsDBNull(2) ? "" : reader.GetString(2);
        var kind = CatalogReader.SqliteKind(declared);
        var primaryKey = reader.GetInt64(5) > 0;
        // The rowid alias: SQLite assigns it and it is never null.
        var assigned = primaryKey && reader.GetInt64(6) == 1 && declared.Equals("INTEGER", StringComparison.OrdinalIgnoreCase);
        var type = PortableTypes.Name(kind, declared, assigned);
        var expression = reader.IsDBNull(4) ? null : reader.GetString(4);
        return new RowColumnDescription(reader.GetString(1), type, !assigned && reader.GetInt64(3) == 0, primaryKey, assigned ? null : PortableTypes.Default(expression, type));
    }

    private static void Add(Dictionary<string, List<RowColumnDescription>> tables, string table, RowColumnDescription column)
    {
        if (!tables.TryGetValue(table, out var list))
            tables[table] = list = [];
        list.Add(column);
    }
}
