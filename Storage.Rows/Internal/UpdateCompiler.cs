using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Turns <c>data</c> and <c>operations</c> into one list of per-field operations and then into the
/// SET list of a single UPDATE statement, so every update is atomic in the database. Operations may
/// be written operator first (<c>{"$inc": {"views": 1}}</c>, as in MongoDB) or field first
/// (<c>{"views": {"$inc": 1}}</c>); a field takes one operator only.
/// </summary>
internal static class UpdateCompiler
{
    private static readonly HashSet<string> Operators = ["$set", "$inc", "$dec", "$max", "$min", "$push"];

    public static List<UpdateOperation> Parse(TableInfo table, JsonElement? data, JsonElement? operations)
    {
        var result = new List<UpdateOperation>();
        if (data is { ValueKind: not JsonValueKind.Null } d)
        {
            if (d.ValueKind != JsonValueKind.Object)
                throw StorageException.InvalidField("data", "Field 'data' must be an object of column values.");
            foreach (var p in d.EnumerateObject())
                Add(result, table, p.Name, "$set", p.Value, $"data.{p.Name}");
        }
        if (operations is { ValueKind: not JsonValueKind.Null } o)
        {
            if (o.ValueKind != JsonValueKind.Object)
                throw StorageException.InvalidField("operations", "Field 'operations' must be an object such as {\"$inc\": {\"views\": 1}}.");
            foreach (var p in o.EnumerateObject())
            {
                var path = $"operations.{p.Name}";
                if (p.Value.ValueKind != JsonValueKind.Object)
                    throw StorageException.InvalidField(path, $"Field '{path}' must be an object.");
                if (p.Name.StartsWith('$'))
                {
                    foreach (var f in p.Value.EnumerateObject())
                        Add(result, table, f.Name, p.Name, f.Value, $"{path}.{f.Name}");
                    continue;
                }
                var ops = p.Value.EnumerateObject().ToList();
                if (ops.Count != 1)
                    throw StorageException.InvalidField(path, $"Field '{path}' must hold exactly one operator; got {ops.Count}.");
                Add(result, table, p.Name, ops[0].Name, ops[0].Value, $"{path}.{ops[0].Name}");
            }
        }
        if (result.Count == 0)
            throw StorageException.InvalidField("data", "An update needs 'data' and/or 'operations' with at least one field.");
        return result;
    }

    private static void Add(List<UpdateOperation> result, TableInfo table, string field, string op, JsonElement value, string path)
    {
        if (!Operators.Contains(op))
            throw FilterCompiler.UnknownOperator(op, path, Operators);
        var column = table.Column(field, path);
        if (!column.Writable)
            throw StorageException.InvalidField(path, $"Field '{path}': column '{column.Name}' is generated and cannot be written.");
        if (result.Any(r => r.Column.Name == column.Name))
            throw StorageException.InvalidField(path, $"Field '{path}': column '{column.Name}' already has an operation; use one operator per field.");
        var valid = op switch
        {
            "$inc" or "$dec" => column.IsNumber,
            "$max" or "$min" => column.IsOrdered,
            "$push" => column.Kind == ColumnKind.Json,
            _ => true,
        };
        if (!valid)
            throw FilterCompiler.WrongOperator(column, op, path);
        if (op != "$set" && op != "$push" && value.ValueKind == JsonValueKind.Null)
            throw StorageException.InvalidField(path, $"Field '{path}' needs a value; {op} null is meaningless.");
        result.Add(new UpdateOperation(column, op, value, path));
    }

    /// <summary>The SET list; values become parameters of <paramref name="sql"/>.</summary>
    public static string SetList(SqlText sql, IEnumerable<UpdateOperation> operations) =>
        string.Join(", ", operations.Select(o => $"{o.Column.Sql} = {Expression(sql, o)}"));

    private static string Expression(SqlText sql, UpdateOperation o)
    {
        var col = o.Column.Sql;
        if (o.Operator == "$push")
        {
            var element = sql.Param(o.Value.GetRawText());
            // A NULL column starts a new array; a non-array value becomes the array's first element (same on both backends).
            return sql.IsPostgres
                ? $"CAST(COALESCE(CAST({col} AS jsonb), '[]'::jsonb) || jsonb_build_array(CAST({element} AS jsonb)) AS {o.Column.DeclaredType})"
                : $"json_insert(CASE WHEN {col} IS NULL THEN '[]' WHEN json_type({col}) = 'array' THEN {col} ELSE json_array(json({col})) END, '$[#]', json({element}))";
        }
        var value = RowValues.Placeholder(sql, o.Column, o.Value, o.Path);
        return o.Operator switch
        {
            "$inc" => $"COALESCE({col}, 0) + {value}",
            "$dec" => $"COALESCE({col}, 0) - {value}",
            // GREATEST/LEAST skip NULL on PostgreSQL; SQLite's scalar max/min return NULL, hence the CASE.
            "$max" when sql.IsPostgres => $"GREATEST({col}, {value})",
            "$min" when sql.IsPostgres => $"LEAST({col}, {value})",
            "$max" => $"CASE WHEN {col} IS NULL THEN {value} ELSE max({col}, {value}) END",
            "$min" => $"CASE WHEN {col} IS NULL THEN {value} ELSE min({col}, {value}) END",
            _ => value,
        };
    }

    /// <summary>The value an upsert inserts for an operation: the operand itself, negated for <c>$dec</c>, wrapped in a list for <c>$push</c>.</summary>
    public static JsonElement InsertValue(UpdateOperation o)
    {
        var raw = o.Value.GetRawText();
        return o.Operator switch
        {
            "$dec" => JsonDocument.Parse(raw.StartsWith('-') ? raw[1..] : "-" + raw).RootElement.Clone(),
            "$push" => JsonDocument.Parse("[" + raw + "]").RootElement.Clone(),
            _ => o.Value,
        };
    }
}
