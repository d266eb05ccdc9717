using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Parses <c>sort</c> (<c>{"field","order"}</c> or a list of them) and appends the row id, so the
/// order is total and a keyset cursor can resume exactly after the last row.
/// </summary>
internal static class SortParser
{
    private const int MaxKeys = 16;

    public static List<SortKey> Parse(TableInfo table, JsonElement? sort)
    {
        var keys = new List<SortKey>();
        if (sort is { ValueKind: not JsonValueKind.Null } s)
        {
            var items = s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [s];
            if (items.Count > MaxKeys)
                throw StorageException.OutOfRange("sort", $"at most {MaxKeys} fields", items.Count);
            for (var i = 0; i < items.Count; i++)
                keys.Add(Key(table, items[i], s.ValueKind == JsonValueKind.Array ? $"sort[{i}]" : "sort"));
        }
        if (table.Key is { } id && keys.All(k => k.Column.Name != id.Name))
            keys.Add(new SortKey(id, false));
        return keys;
    }

    private static SortKey Key(TableInfo table, JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("field", out var field) || field.ValueKind != JsonValueKind.String)
            throw StorageException.InvalidField(path, $"Field '{path}' must be {{\"field\": name, \"order\": \"asc\"|\"desc\"}}.");
        var column = table.Column(field.GetString()!, $"{path}.field");
        if (!column.IsOrdered && column.Kind != ColumnKind.Boolean)
            throw FilterCompiler.WrongOperator(column, "sort", $"{path}.field");
        var descending = false;
        if (item.TryGetProperty("order", out var order) && order.ValueKind != JsonValueKind.Null)
        {
            descending = order.ValueKind == JsonValueKind.String ? order.GetString() switch
            {
                "asc" => false,
                "desc" => true,
                _ => throw StorageException.InvalidField($"{path}.order", $"Field '{path}.order' must be \"asc\" or \"desc\"."),
            } : throw StorageException.InvalidField($"{path}.order", $"Field '{path}.order' must be \"asc\" or \"desc\".");
        }
        return new SortKey(column, descending);
    }
}
