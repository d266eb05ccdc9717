using System.Data.Common;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Reads a plugin's tables from the database catalog on a service connection: PostgreSQL
/// <c>pg_catalog</c> restricted to the plugin's schema, SQLite <c>sqlite_master</c> and
/// <c>pragma_table_xinfo</c> of the plugin's file. Service tables and SQLite's own are left out.
/// </summary>
internal static class CatalogReader
{
    private const string PostgresSql = """
        SELECT cl.relname, a.attname, format_type(a.atttypid, a.atttypmod), t.typname,
               a.attnotnull, a.atthasdef, a.attidentity IN ('a', 'd'), a.attgenerated = 's',
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid AND i.indisprimary
                       AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum)
        FROM pg_class cl
        JOIN pg_namespace n ON n.oid = cl.relnamespace
        JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = @schema AND cl.relkind IN ('r', 'p')
        ORDER BY cl.relname, a.attnum
        """;

    private const string SqliteSql = """
        SELECT m.name, c.name, c.type, c."notnull", c.dflt_value IS NOT NULL, c.pk, c.hidden
        FROM sqlite_master m, pragma_table_xinfo(m.name) c
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
        ORDER BY m.name, c.cid
        """;

    public static async Task<Dictionary<string, TableInfo>> ReadAsync(PluginConnection connection, CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, (List<ColumnInfo> Columns, List<string> Keys)>(StringComparer.Ordinal);
        if (connection.Provider == StorageProvider.Postgres)
        {
            await using var command = connection.CreateCommand(PostgresSql).With("schema", connection.Schema);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var kind = PostgresKind(reader.GetString(3));
                var generated = reader.GetBoolean(7);
                var isKey = reader.GetBoolean(8);
                var required = reader.GetBoolean(4) && !reader.GetBoolean(5) && !reader.GetBoolean(6) && !generated;
                Add(tables, reader.GetString(0), new ColumnInfo(reader.GetString(1), kind, reader.GetString(2), required, !generated), isKey);
            }
        }
        else
        {
            await using var command = connection.CreateCommand(SqliteSql);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var declared = reader.IsDBNull(2) ? "" : reader.GetString(2);
                var pk = reader.GetInt64(5);
                var generated = reader.GetInt64(6) is 2 or 3;
                // INTEGER PRIMARY KEY is the rowid alias: SQLite assigns it, so it is never required.
                var rowidAlias = pk == 1 && declared.Equals("INTEGER", StringComparison.OrdinalIgnoreCase);
                var required = reader.GetInt64(3) == 1 && !reader.GetBoolean(4) && !rowidAlias && !generated;
                Add(tables, reader.GetString(0), new ColumnInfo(reader.GetString(1), SqliteKind(declared), declared, required, !generated), pk > 0);
            }
        }
        return tables
            .Where(t => !ServiceTables.IsReserved(t.Key))
            .ToDictionary(t => t.Key, t => new TableInfo(t.Key, t.Value.Columns, t.Value.Keys.Count == 1 ? t.Value.Keys[0] : null), StringComparer.Ordinal);
    }

    private static void Add(Dictionary<string, (List<ColumnInfo> Columns, List<string> Keys)> tables, string table, ColumnInfo column, bool isKey)
    {
        if (!tables.TryGetValue(table, out var entry))
            tables[table] = entry = ([], []);
        entry.Columns.Add(column);
        if (isKey)
            entry.Keys.Add(column.Name);
    }

    internal static ColumnKind PostgresKind(string type) => type switch
    {
        "int2" or "int4" or "int8" => ColumnKind.Integer,
        "float4" or "float8" => ColumnKind.Float,
        "numeric" => ColumnKind.Numeric,
        "text" or "varchar" or "bpchar" or "name" or "citext" => ColumnKind.Text,
        "bool" => ColumnKind.Boolean,
        "timestamp" or "timestamptz" => ColumnKind.Timestamp,
        "date" => ColumnKind.Date,
        "json" or "jsonb" => ColumnKind.Json,
        "uuid" => ColumnKind.Uuid,
        "bytea" => ColumnKind.Blob,
        _ => ColumnKind.Other,
    };

    // SQLite's own affinity rules (https://sqlite.org/datatype3.html), preceded by the names that
    // carry a meaning SQLite has no storage class for: JSON, booleans, timestamps and dates.
    internal static ColumnKind SqliteKind(string declared)
    {
        var type = declared.ToUpperInvariant();
        bool Has(string part) => type.Contains(part, StringComparison.Ordinal);
        if (Has("JSON")) return ColumnKind.Json;
        if (Has("BOOL")) return ColumnKind.Boolean;
        if (Has("UUID")) return ColumnKind.Uuid;
        if (Has("BLOB") || Has("BYTEA")) return ColumnKind.Blob;
        if (Has("TIMESTAMP") || Has("DATETIME")) return ColumnKind.Timestamp;
        if (type.StartsWith("DATE", StringComparison.Ordinal)) return ColumnKind.Date;
        if (Has("INT")) return ColumnKind.Integer;
        if (Has("CHAR") || Has("CLOB") || Has("TEXT")) return ColumnKind.Text;
        if (Has("REAL") || Has("FLOA") || Has("DOUB")) return ColumnKind.Float;
        if (Has("NUMERIC") || Has("DECIMAL")) return ColumnKind.Numeric;
        return ColumnKind.Other;
    }
}
