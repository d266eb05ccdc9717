using System.Text.Json;
using System.Text.RegularExpressions;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>
/// Reads the fields of one op and renders columns. A <c>serial</c>/<c>bigserial</c> primary key is
/// <c>serial</c> on PostgreSQL and <c>INTEGER PRIMARY KEY AUTOINCREMENT</c> on SQLite (assigned by the
/// database and never reused on both); an <c>integer</c> primary key on SQLite is declared <c>INT</c>
/// so it does not become the rowid alias, which SQLite would fill in where PostgreSQL refuses a missing id.
/// </summary>
internal static partial class MigrationOpsColumns
{
    public const int MaxColumns = 1000;
    public const string NameRule = "1 to 63 characters of a-z, 0-9 and '_', starting with a letter or '_'";

    public static string Table(JsonElement op, bool sqlite, string field)
    {
        var path = $"{field}.columns";
        if (!op.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array)
            throw StorageException.InvalidField(path, $"Field '{path}' is required: a list of {{\"name\",\"type\",...}} objects.");
        var count = columns.GetArrayLength();
        if (count == 0 || count > MaxColumns)
            throw StorageException.OutOfRange(path, $"a list of 1 to {MaxColumns} columns", count);
        var specs = columns.EnumerateArray().Select((c, i) => ColumnSpec.Read(c, $"{path}[{i}]")).ToList();
        var keys = specs.Where(c => c.PrimaryKey).ToList();
        if (keys.Count > 1 && keys.FirstOrDefault(k => k.IsSerial) is { } serial)
            throw StorageException.InvalidField(serial.Field + ".type", $"Field '{serial.Field}.type': a {serial.Type} column must be the only primary key.");
        var parts = specs.Select(c => c.Render(sqlite, inlineKey: keys.Count == 1)).ToList();
        if (keys.Count > 1)
            parts.Add($"PRIMARY KEY ({string.Join(", ", keys.Select(k => PluginConnection.QuoteIdentifier(k.Name)))})");
        return string.Join(", ", parts);
    }

    /// <summary>
    /// <c>ALTER TABLE ... ADD COLUMN</c> and its inverse. SQLite cannot add a UNIQUE column, so both
    /// backends get the column and then a unique index named <c>&lt;table&gt;_&lt;column&gt;_key</c>.
    /// </summary>
    public static (string Up, string Down) Add(string table, JsonElement op, bool sqlite, string field)
    {
        var path = $"{field}.column";
        if (!op.TryGetProperty("column", out var column))
            throw StorageException.InvalidField(path, $"Field '{path}' is required: a {{\"name\",\"type\",...}} object.");
        var spec = ColumnSpec.Read(column, path);
        if (spec.PrimaryKey || spec.IsSerial)
            throw StorageException.InvalidField($"{path}.primary_key", $"Field '{path}': add_column cannot add a primary key or a serial column; create the table with it.");
        if (spec.Default is { ValueKind: JsonValueKind.Object })
            throw StorageException.InvalidField($"{path}.default",
                $"Field '{path}.default': add_column cannot use {{\"function\":\"now\"}} (SQLite cannot add a column with a non-constant default); give it in create_table or fill the column with an update.");
        var q = (Func<string, string>)PluginConnection.QuoteIdentifier;
        var add = $"ALTER TABLE {q(table)} ADD COLUMN {(spec with { Unique = false }).Render(sqlite, inlineKey: false)}";
        var drop = $"ALTER TABLE {q(table)} DROP COLUMN {q(spec.Name)}";
        if (!spec.Unique)
            return (add, drop);
        var index = q($"{table}_{spec.Name}_key");
        return ($"{add};\nCREATE UNIQUE INDEX {index} ON {q(table)} ({q(spec.Name)})", $"DROP INDEX {index};\n{drop}");
    }

    public static string String(JsonElement op, string key, string field)
    {
        var path = $"{field}.{key}";
        return op.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw StorageException.InvalidField(path, $"Field '{path}' is required and must be a string.");
    }

    public static string Name(JsonElement op, string key, string field)
    {
        var name = String(op, key, field);
        if (!NamePattern().IsMatch(name))
            throw StorageException.OutOfRange($"{field}.{key}", NameRule, $"'{MigrationOpsCompiler.Shorten(name)}'");
        if (ServiceTables.IsReserved(name))
            throw StorageException.InvalidField($"{field}.{key}", $"Field '{field}.{key}': names starting with {ServiceTables.Prefix} are reserved for the storage service.");
        return name;
    }

    public static IReadOnlyList<string> Names(JsonElement op, string key, string field)
    {
        var path = $"{field}.{key}";
        if (!op.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() is 0 or > MaxColumns)
            throw StorageException.InvalidField(path, $"Field '{path}' is required: a list of 1 to {MaxColumns} column names.");
        return list.EnumerateArray().Select((_, i) => Name(list, i, path)).ToList();
    }

    public static bool Bool(JsonElement op, string key, string field, bool absent = false)
    {
        if (!op.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return absent;
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw StorageException.InvalidField($"{field}.{key}", $"Field '{field}.{key}' must be true or false.");
    }

    private static string Name(JsonElement list, int index, string path)
    {
        var item = list[index];
        var field = $"{path}[{index}]";
        if (item.ValueKind != JsonValueKind.String || !NamePattern().IsMatch(item.GetString()!))
            throw StorageException.OutOfRange(field, NameRule, item.ValueKind == JsonValueKind.String ? $"'{MigrationOpsCompiler.Shorten(item.GetString()!)}'" : item.ValueKind.ToString());
        return item.GetString()!;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
