using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Reads result rows into JSON objects the same way on both backends: numbers as JSON numbers,
/// booleans as true/false (SQLite's 0/1 by the declared type), timestamps as ISO-8601 UTC with
/// <c>Z</c>, dates as <c>yyyy-MM-dd</c>, JSON columns as JSON.
/// </summary>
internal static class RowReader
{
    /// <summary>
    /// Reads every row; the reader's columns are <paramref name="columns"/> in order, and only those
    /// <paramref name="include"/> accepts are read. Each value is checked against <paramref name="budget"/>
    /// before it is read and each row counted after, so an oversized result is TOO_LARGE early.
    /// </summary>
    public static async Task<List<JsonObject>> ReadAllAsync(DbDataReader reader, IReadOnlyList<ColumnInfo> columns, ResultBudget budget,
        Func<ColumnInfo, bool>? include, CancellationToken cancellationToken)
    {
        var rows = new List<JsonObject>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new JsonObject();
            for (var i = 0; i < columns.Count; i++)
            {
                if (include?.Invoke(columns[i]) == false)
                    continue;
                if (reader.IsDBNull(i))
                {
                    row[columns[i].Name] = null;
                    continue;
                }
                budget.CheckStoredValue(reader, i);
                row[columns[i].Name] = ToJson(columns[i], reader.GetValue(i));
            }
            budget.Add(row);
            budget.Rows = rows.Count + 1;
            rows.Add(row);
        }
        return rows;
    }

    public static JsonNode? ToJson(ColumnInfo column, object value) => (column.Kind, value) switch
    {
        (ColumnKind.Boolean, long l) => JsonValue.Create(l != 0),
        (ColumnKind.Boolean, bool b) => JsonValue.Create(b),
        (ColumnKind.Timestamp, DateTime time) => JsonValue.Create(FormatTimestamp(time)),
        (ColumnKind.Timestamp, DateTimeOffset time) => JsonValue.Create(FormatTimestamp(time.UtcDateTime)),
        (ColumnKind.Timestamp, string text) => JsonValue.Create(RowValues.ParseTimestamp(text) is { } time ? FormatTimestamp(time) : text),
        (ColumnKind.Date, DateTime date) => JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        (ColumnKind.Date, DateOnly date) => JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        (ColumnKind.Json, string json) => ParseJson(json),
        (ColumnKind.Uuid, Guid uuid) => JsonValue.Create(uuid.ToString("D")),
        (ColumnKind.Blob, string text) => JsonValue.Create(text), // text written by plugin SQL comes back as it is
        (_, long l) => JsonValue.Create(l),
        (_, int i) => JsonValue.Create((long)i),
        (_, short s) => JsonValue.Create((long)s),
        (_, double d) => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        (_, float f) => float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture)),
        (_, decimal m) => JsonValue.Create(m),
        (_, bool b) => JsonValue.Create(b),
        (_, string s) => JsonValue.Create(s),
        (_, DateTime time) => JsonValue.Create(FormatTimestamp(time)),
        (_, byte[] bytes) => JsonValue.Create(Convert.ToBase64String(bytes)),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>ISO-8601 UTC: whole seconds without a fraction, otherwise only the digits needed.</summary>
    public static string FormatTimestamp(DateTime time) => UtcTimestampJsonConverter.Format(time);

    // Text in a SQLite JSON column that is not JSON (written by plugin SQL) comes back as that text.
    private static JsonNode? ParseJson(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }
}
