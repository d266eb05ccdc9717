using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// The opaque <c>next</c> cursor: base64url of the table, the sort spec and the last row's values of
/// the sort fields (the id last). Decoding checks all of it against the current request; the values
/// go back through the same type checks as any request value, so a tampered cursor is at worst
/// INVALID_REQUEST and never SQL.
/// </summary>
internal static class RowCursor
{
    public static string Encode(TableInfo table, IReadOnlyList<SortKey> keys, JsonElement lastRow)
    {
        // Written straight out (no intermediate object): every truncated search page pays for this.
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("t", table.Name);
            writer.WriteStartArray("s");
            foreach (var key in keys)
                writer.WriteStringValue(key.Spec);
            writer.WriteEndArray();
            writer.WriteStartArray("v");
            foreach (var key in keys)
            {
                if (lastRow.TryGetProperty(key.Column.Name, out var value))
                    value.WriteTo(writer);
                else
                    writer.WriteNullValue();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    /// <summary>The last row's sort values, in key order; INVALID_REQUEST for anything but a cursor of this very search.</summary>
    public static JsonElement[] Decode(string cursor, TableInfo table, IReadOnlyList<SortKey> keys)
    {
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(cursor));
            var root = document.RootElement;
            var specs = root.GetProperty("s").EnumerateArray().Select(s => s.GetString()).ToList();
            var values = root.GetProperty("v").EnumerateArray().Select(v => v.Clone()).ToArray();
            if (root.GetProperty("t").GetString() != table.Name || !specs.SequenceEqual(keys.Select(k => k.Spec)) || values.Length != keys.Count)
                throw Invalid("it belongs to another table or sort order");
            return values;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw Invalid("it is not a cursor returned by search");
        }
    }

    /// <summary>The condition "after the cursor row" in the lexicographic order of <paramref name="keys"/>.</summary>
    public static string After(SqlText sql, IReadOnlyList<SortKey> keys, JsonElement[] values)
    {
        var alternatives = new List<string>();
        for (var k = 0; k < keys.Count; k++)
        {
            var parts = new List<string>();
            for (var i = 0; i < k; i++)
                parts.Add(values[i].ValueKind == JsonValueKind.Null ? $"{keys[i].Column.Sql} IS NULL" : $"{keys[i].Column.Sql} = {Value(sql, keys[i], values[i])}");
            var beyond = Beyond(sql, keys[k], values[k]);
            if (beyond is null)
                continue;
            parts.Add(beyond);
            alternatives.Add(FilterCompiler.And(parts));
        }
        return alternatives.Count == 0 ? "1=0" : "(" + string.Join(" OR ", alternatives) + ")";
    }

    // NULL is the smallest value: ascending, everything non-null follows it; descending, nothing does.
    private static string? Beyond(SqlText sql, SortKey key, JsonElement value)
    {
        var col = key.Column.Sql;
        if (value.ValueKind == JsonValueKind.Null)
            return key.Descending ? null : $"{col} IS NOT NULL";
        var p = Value(sql, key, value);
        return key.Descending ? $"({col} < {p} OR {col} IS NULL)" : $"{col} > {p}";
    }

    private static string Value(SqlText sql, SortKey key, JsonElement value)
    {
        try
        {
            return RowValues.Placeholder(sql, key.Column, value, "after");
        }
        catch (StorageException)
        {
            throw Invalid("its values do not fit the sort fields");
        }
    }

    private static StorageException Invalid(string why) =>
        StorageException.InvalidField("after", $"Field 'after' is not a valid cursor: {why}.");
}
