using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>
/// One column of a <c>create_table</c>/<c>add_column</c> op, validated, and its DDL per backend. Types
/// are chosen so the row tier reads them the same way on both backends (SQLite: <c>TIMESTAMPTZ</c>,
/// <c>BOOLEAN</c>, <c>JSON</c>, <c>UUID</c> and <c>BLOB</c> are declared so the catalog sees the type).
/// </summary>
internal sealed partial record ColumnSpec(string Field, string Name, string Type, int? Length, bool PrimaryKey, bool Nullable, bool Unique, JsonElement? Default)
{
    public const string Types = "serial, bigserial, integer, bigint, real, double, numeric, text, varchar(N), boolean, timestamptz, date, json, uuid, blob";

    // SQLite writes these as the row tier stores timestamps: UTC, six fraction digits, so text order is time order.
    private const string SqliteNow = "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))";

    public bool IsSerial => Type is "serial" or "bigserial";

    public static ColumnSpec Read(JsonElement column, string field)
    {
        if (column.ValueKind != JsonValueKind.Object)
            throw StorageException.InvalidField(field, $"Field '{field}' must be an object {{\"name\",\"type\",\"primary_key\"?,\"nullable\"?,\"unique\"?,\"default\"?}}.");
        var name = MigrationOpsColumns.Name(column, "name", field);
        var typeText = MigrationOpsColumns.String(column, "type", field).ToLowerInvariant();
        int? length = null;
        if (VarcharPattern().Match(typeText) is { Success: true } varchar)
        {
            length = int.TryParse(varchar.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10485760 ? n
                : throw StorageException.OutOfRange($"{field}.type", "varchar(N) with N from 1 to 10485760", $"'{typeText}'");
            typeText = "varchar";
        }
        else if (!Types.Split(", ").Contains(typeText))
        {
            var suggestion = Suggest.Closest(typeText, Types.Split(", "));
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Field '{field}.type' names an unknown type '{MigrationOpsCompiler.Shorten(typeText)}'.{Suggest.Hint(suggestion)} Allowed: {Types}.",
                Suggest.With(new Dictionary<string, object?> { ["field"] = $"{field}.type", ["allowed"] = Types }, suggestion));
        }
        var primaryKey = MigrationOpsColumns.Bool(column, "primary_key", field);
        var nullable = MigrationOpsColumns.Bool(column, "nullable", field, absent: !primaryKey);
        if (primaryKey && nullable)
            throw StorageException.InvalidField($"{field}.nullable", $"Field '{field}.nullable': a primary key cannot be nullable.");
        if (typeText is "serial" or "bigserial" && !primaryKey)
            throw StorageException.InvalidField($"{field}.primary_key", $"Field '{field}': a {typeText} column must be the primary key (only a primary key is assigned by the database on both backends).");
        JsonElement? @default = column.TryGetProperty("default", out var d) ? d : null;
        var spec = new ColumnSpec(field, name, typeText, length, primaryKey, nullable, MigrationOpsColumns.Bool(column, "unique", field), @default);
        if (@default is { } value)
        {
            if (spec.IsSerial)
                throw StorageException.InvalidField($"{field}.default", $"Field '{field}.default': a {typeText} column has no default; the database assigns it.");
            _ = spec.DefaultSql(value, sqlite: false); // validates against the type
        }
        return spec;
    }

    public string Render(bool sqlite, bool inlineKey)
    {
        var q = PluginConnection.QuoteIdentifier(Name);
        if (sqlite && IsSerial)
            return $"{q} INTEGER PRIMARY KEY AUTOINCREMENT";
        var sql = $"{q} {(sqlite ? SqliteType() : PostgresType())}";
        if (PrimaryKey && inlineKey)
            sql += " PRIMARY KEY";
        if (!Nullable)
            sql += " NOT NULL";
        if (Unique)
            sql += " UNIQUE";
        if (Default is { } value)
            sql += " DEFAULT " + DefaultSql(value, sqlite);
        return sql;
    }

    private string PostgresType() => Type switch
    {
        "double" => "double precision",
        "varchar" => $"varchar({Length})",
        "json" => "jsonb",
        "blob" => "bytea",
        _ => Type,
    };

    private string SqliteType() => Type switch
    {
        "integer" => PrimaryKey ? "INT" : "INTEGER", // INTEGER PRIMARY KEY would be the rowid alias, filled in by SQLite.
        "double" => "DOUBLE PRECISION",
        "varchar" => $"VARCHAR({Length})",
        _ => Type.ToUpperInvariant(),
    };
}
