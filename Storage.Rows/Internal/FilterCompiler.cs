using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Compiles a filter document into a SQL condition. Field names are resolved against the table's
/// catalog (unknown ones are INVALID_REQUEST) and every value becomes a parameter checked against
/// its column's type. Comparisons follow SQL: <c>$ne</c>, <c>$nin</c>, <c>$gt</c>... never match NULL.
/// </summary>
internal sealed class FilterCompiler(TableInfo table, SqlText sql)
{
    public const int MaxListLength = 1000;

    /// <summary>Every operator a filter understands, for messages and suggestions.</summary>
    public static readonly IReadOnlyCollection<string> Operators =
        ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$like", "$ilike", "$exists", "$and", "$or", "$not"];
    private const int MaxDepth = 32;

    /// <summary>Whether the filters are absent or <c>{}</c> (which would match every row).</summary>
    public static bool IsEmpty(JsonElement? filters) =>
        filters is not { ValueKind: not JsonValueKind.Null } f || (f.ValueKind == JsonValueKind.Object && !f.EnumerateObject().Any());

    /// <summary>The condition for <paramref name="filters"/>; <c>1=1</c> when there are none.</summary>
    public string Compile(JsonElement? filters) =>
        filters is { ValueKind: not JsonValueKind.Null } f ? Document(f, "filters", 0) : "1=1";

    private string Document(JsonElement filter, string path, int depth)
    {
        if (filter.ValueKind != JsonValueKind.Object)
            throw StorageException.InvalidField(path, $"Field '{path}' must be an object of field conditions.");
        if (depth > MaxDepth)
            throw StorageException.OutOfRange(path, $"nested at most {MaxDepth} levels deep", "deeper");
        var parts = new List<string>();
        foreach (var property in filter.EnumerateObject())
        {
            var field = $"{path}.{property.Name}";
            parts.Add(property.Name switch
            {
                "$and" => Combine(property.Value, field, " AND ", depth),
                "$or" => Combine(property.Value, field, " OR ", depth),
                "$not" => $"NOT ({Document(property.Value, field, depth + 1)})",
                _ when property.Name.StartsWith('$') => throw UnknownOperator(property.Name, field, Operators),
                _ => Field(table.Column(property.Name, field), property.Value, field),
            });
        }
        return And(parts);
    }

    private string Combine(JsonElement list, string path, string separator, int depth)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw StorageException.InvalidField(path, $"Field '{path}' must be a non-empty list of filter objects.");
        var parts = list.EnumerateArray().Select((item, i) => Document(item, $"{path}[{i}]", depth + 1)).ToList();
        return "(" + string.Join(separator, parts) + ")";
    }

    private string Field(ColumnInfo column, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            return Operator(column, "$eq", value, path);
        var parts = new List<string>();
        foreach (var op in value.EnumerateObject())
            parts.Add(Operator(column, op.Name, op.Value, $"{path}.{op.Name}"));
        if (parts.Count == 0)
            throw StorageException.InvalidField(path, $"Field '{path}' has no operator; use a value or {{\"$op\": value}}.");
        return And(parts);
    }

    private string Operator(ColumnInfo column, string op, JsonElement value, string path)
    {
        var col = column.Sql;
        var isNull = value.ValueKind == JsonValueKind.Null;
        switch (op)
        {
            case "$eq" when isNull:
                return $"{col} IS NULL";
            case "$ne" when isNull:
                return $"{col} IS NOT NULL";
            case "$eq" or "$ne":
                Comparable(column, op, path, ordered: false);
                return $"{col} {(op == "$eq" ? "=" : "<>")} {RowValues.Placeholder(sql, column, value, path)}";
            case "$gt" or "$gte" or "$lt" or "$lte":
                Comparable(column, op, path, ordered: true);
                if (isNull)
                    throw StorageException.InvalidField(path, $"Field '{path}' needs a value; {op} never matches null.");
                return $"{col} {Comparison(op)} {RowValues.Placeholder(sql, column, value, path)}";
            case "$in" or "$nin":
                return List(column, op, value, path);
            case "$like" or "$ilike":
                return Like(column, op, value, path);
            case "$exists":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw StorageException.InvalidField(path, $"Field '{path}' must be true or false.");
                return value.GetBoolean() ? $"{col} IS NOT NULL" : $"{col} IS NULL";
            default:
                throw UnknownOperator(op, path, Operators);
        }
    }

    private string List(ColumnInfo column, string op, JsonElement value, string path)
    {
        Comparable(column, op, path, ordered: false);
        if (value.ValueKind != JsonValueKind.Array)
            throw StorageException.InvalidField(path, $"Field '{path}' must be a list of values.");
        var count = value.GetArrayLength();
        if (count > MaxListLength)
            throw StorageException.OutOfRange(path, $"a list of at most {MaxListLength} values", count);
        var items = value.EnumerateArray().ToList();
        var placeholders = items.Select((v, i) => (Value: v, Index: i)).Where(t => t.Value.ValueKind != JsonValueKind.Null)
            .Select(t => RowValues.Placeholder(sql, column, t.Value, $"{path}[{t.Index}]")).ToList();
        var hasNull = placeholders.Count < items.Count;
        var inList = placeholders.Count == 0 ? "1=0" : $"{column.Sql} IN ({string.Join(", ", placeholders)})";
        return op == "$in"
            ? hasNull ? $"({inList} OR {column.Sql} IS NULL)" : inList
            : placeholders.Count == 0 ? $"{column.Sql} IS NOT NULL" : $"({column.Sql} NOT IN ({string.Join(", ", placeholders)}))";
    }

    private string Like(ColumnInfo column, string op, JsonElement value, string path)
    {
        if (column.Kind != ColumnKind.Text)
            throw WrongOperator(column, op, path);
        if (value.ValueKind != JsonValueKind.String)
            throw StorageException.InvalidField(path, $"Field '{path}' must be a string pattern.");
        var pattern = value.GetString()!;
        LikePattern.Validate(pattern, path);
        if (sql.IsPostgres)
            return $"{column.Sql} {(op == "$like" ? "LIKE" : "ILIKE")} {sql.Param(pattern)} ESCAPE '\\'";
        // SQLite: GLOB is case-sensitive where LIKE is not; LIKE stays for $ilike (ASCII case folding).
        return op == "$like"
            ? $"{column.Sql} GLOB {sql.Param(LikePattern.ToGlob(pattern))}"
            : $"{column.Sql} LIKE {sql.Param(pattern)} ESCAPE '\\'";
    }

    private static void Comparable(ColumnInfo column, string op, string path, bool ordered)
    {
        if (column.Kind == ColumnKind.Json || (ordered && !column.IsOrdered))
            throw WrongOperator(column, op, path);
    }

    private static string Comparison(string op) => op switch
    {
        "$gt" => ">",
        "$gte" => ">=",
        "$lt" => "<",
        _ => "<=",
    };

    internal static string And(List<string> parts) =>
        parts.Count == 0 ? "1=1" : parts.Count == 1 ? parts[0] : "(" + string.Join(" AND ", parts) + ")";

    internal static StorageException UnknownOperator(string op, string path, IReadOnlyCollection<string> known)
    {
        var suggestion = Suggest.Closest(op, known);
        return new(StorageErrorCode.InvalidRequest,
            $"Field '{path}': unknown operator '{TableInfo.Shorten(op)}'.{Suggest.Hint(suggestion)} Known operators: {string.Join(", ", known)}.",
            Suggest.With(new Dictionary<string, object?> { ["field"] = path, ["operator"] = TableInfo.Shorten(op) }, suggestion));
    }

    internal static StorageException WrongOperator(ColumnInfo column, string op, string path) =>
        new(StorageErrorCode.InvalidRequest, $"Field '{path}': operator {op} does not apply to column '{column.Name}', which holds {RowValues.Describe(column.Kind)}.",
            new Dictionary<string, object?> { ["field"] = path, ["operator"] = op, ["column"] = column.Name });
}
