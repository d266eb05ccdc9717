using System.Text;
using System.Text.Json;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>
/// Compiles portable migration ops (<c>create_table</c>, <c>add_column</c>, ...) into SQL for one
/// backend, with the inverse of each reversible op for a derived <c>down</c>. Every name is checked
/// against <see cref="MigrationOpsColumns.NameRule"/> and quoted, so ops never splice request text
/// into SQL except the raw SQL of <c>execute</c>, which runs with the plugin's privileges like any script.
/// </summary>
internal static class MigrationOpsCompiler
{
    public const int MaxOps = 1000;
    private const string IrreversiblePrefix = "-- storage:irreversible ";

    public static readonly IReadOnlyList<string> Ops =
        ["create_table", "drop_table", "rename_table", "add_column", "drop_column", "rename_column", "create_index", "drop_index", "execute"];

    public static CompiledOps Compile(JsonElement ops, StorageProvider provider, string field)
    {
        if (ops.ValueKind != JsonValueKind.Array)
            throw StorageException.InvalidField(field, $"Field '{field}' must be a list of ops such as {{\"op\":\"create_table\",...}}.");
        var count = ops.GetArrayLength();
        if (count == 0 || count > MaxOps)
            throw StorageException.OutOfRange(field, $"a list of 1 to {MaxOps} ops", count);
        var sqlite = provider == StorageProvider.Sqlite;
        var up = new StringBuilder();
        var downs = new List<string>();
        string? irreversible = null;
        var i = 0;
        foreach (var op in ops.EnumerateArray())
        {
            var (sql, down) = One(op, sqlite, $"{field}[{i}]");
            up.Append(sql).Append(";\n");
            if (down is null)
                irreversible ??= $"ops[{i}] ({op.GetProperty("op").GetString()})";
            else
                downs.Add(down);
            i++;
        }
        downs.Reverse();
        var derived = irreversible is null ? string.Join(";\n", downs) + ";\n" : IrreversiblePrefix + irreversible + "\n";
        return new CompiledOps(up.ToString(), derived, Canonical(ops));
    }

    /// <summary>The op that made a derived down impossible, or null when <paramref name="down"/> is a real script.</summary>
    public static string? Irreversible(string? down) =>
        down is not null && down.StartsWith(IrreversiblePrefix, StringComparison.Ordinal) ? down[IrreversiblePrefix.Length..].TrimEnd('\n') : null;

    // Compact JSON: the checksum does not change with the sender's whitespace.
    private static string Canonical(JsonElement ops)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
            ops.WriteTo(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static (string Up, string? Down) One(JsonElement op, bool sqlite, string field)
    {
        if (op.ValueKind != JsonValueKind.Object)
            throw StorageException.InvalidField(field, $"Field '{field}' must be an object with \"op\" and its fields.");
        var name = MigrationOpsColumns.String(op, "op", field);
        var q = (Func<string, string>)PluginConnection.QuoteIdentifier;
        string Name(string key) => MigrationOpsColumns.Name(op, key, field);
        switch (name)
        {
            case "create_table":
            {
                var table = Name("table");
                return ($"CREATE TABLE {q(table)} ({MigrationOpsColumns.Table(op, sqlite, field)})", $"DROP TABLE {q(table)}");
            }
            case "drop_table":
                return ($"DROP TABLE {q(Name("table"))}", null);
            case "rename_table":
            {
                var (from, to) = (Name("from"), Name("to"));
                return ($"ALTER TABLE {q(from)} RENAME TO {q(to)}", $"ALTER TABLE {q(to)} RENAME TO {q(from)}");
            }
            case "add_column":
                return MigrationOpsColumns.Add(Name("table"), op, sqlite, field);
            case "drop_column":
                return ($"ALTER TABLE {q(Name("table"))} DROP COLUMN {q(Name("column"))}", null);
            case "rename_column":
            {
                var (table, from, to) = (Name("table"), Name("from"), Name("to"));
                return ($"ALTER TABLE {q(table)} RENAME COLUMN {q(from)} TO {q(to)}", $"ALTER TABLE {q(table)} RENAME COLUMN {q(to)} TO {q(from)}");
            }
            case "create_index":
            {
                var (index, table) = (Name("name"), Name("table"));
                var columns = MigrationOpsColumns.Names(op, "columns", field);
                var unique = MigrationOpsColumns.Bool(op, "unique", field) ? "UNIQUE " : "";
                return ($"CREATE {unique}INDEX {q(index)} ON {q(table)} ({string.Join(", ", columns.Select(q))})", $"DROP INDEX {q(index)}");
            }
            case "drop_index":
                return ($"DROP INDEX {q(Name("name"))}", null);
            case "execute":
                return (Execute(op, sqlite, field), null);
            default:
                var suggestion = Suggest.Closest(name, Ops);
                throw new StorageException(StorageErrorCode.InvalidRequest,
                    $"Field '{field}.op' names an unknown op '{Shorten(name)}'.{Suggest.Hint(suggestion)} Allowed: {string.Join(", ", Ops)}.",
                    Suggest.With(new Dictionary<string, object?> { ["field"] = $"{field}.op", ["allowed"] = string.Join(",", Ops) }, suggestion));
        }
    }

    private static string Execute(JsonElement op, bool sqlite, string field)
    {
        var path = $"{field}.sql";
        if (!op.TryGetProperty("sql", out var sql))
            throw StorageException.InvalidField(path, $"Field '{path}' is required: a SQL string or {{\"postgres\",\"sqlite\"}}.");
        if (sql.ValueKind == JsonValueKind.String)
            return sql.GetString()!;
        var backend = sqlite ? "sqlite" : "postgres";
        if (sql.ValueKind == JsonValueKind.Object && sql.TryGetProperty(backend, out var text) && text.ValueKind == JsonValueKind.String)
            return text.GetString()!;
        throw StorageException.InvalidField(path, $"Field '{path}' has no '{backend}' script; give one SQL string or both 'postgres' and 'sqlite' strings.");
    }

    internal static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
