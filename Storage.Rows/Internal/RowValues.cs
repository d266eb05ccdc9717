using System.Globalization;
using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Turns a JSON value from a request into a parameter for one column, checking it against the
/// column's type: a string into an integer column is INVALID_REQUEST naming the field. SQLite keeps
/// booleans as 0/1, timestamps as ISO-8601 UTC text with six fraction digits (so text order is
/// time order) and dates as <c>yyyy-MM-dd</c>.
/// </summary>
internal static class RowValues
{
    public const string SqliteTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>A placeholder (with a cast where PostgreSQL needs one) for <paramref name="value"/> in <paramref name="column"/>.</summary>
    public static string Placeholder(SqlText sql, ColumnInfo column, JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return sql.Param(null, field);
        var placeholder = sql.Param(Convert(sql.Provider, column, value, field), field);
        return sql.IsPostgres && column.Kind is ColumnKind.Json or ColumnKind.Other
            ? $"CAST({placeholder} AS {column.DeclaredType})"
            : placeholder;
    }

    /// <summary>The CLR value to bind; INVALID_REQUEST when the JSON type does not fit the column.</summary>
    public static object? Convert(StorageProvider provider, ColumnInfo column, JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.String)
            StorageJson.RequireValidUnicode(value, field);
        var postgres = provider == StorageProvider.Postgres;
        switch (column.Kind)
        {
            case ColumnKind.Integer when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer):
                return integer;
            case ColumnKind.Float when value.ValueKind == JsonValueKind.Number:
                return value.GetDouble();
            case ColumnKind.Numeric when value.ValueKind == JsonValueKind.Number:
                return postgres && value.TryGetDecimal(out var number) ? number : value.GetDouble();
            case ColumnKind.Text when value.ValueKind == JsonValueKind.String:
                return value.GetString();
            case ColumnKind.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return postgres ? value.GetBoolean() : value.GetBoolean() ? 1L : 0L;
            case ColumnKind.Timestamp when value.ValueKind == JsonValueKind.String && ParseTimestamp(value.GetString()!) is { } time:
                if (!postgres)
                    return time.ToString(SqliteTimestampFormat, CultureInfo.InvariantCulture);
                return column.DeclaredType.Contains("with time zone", StringComparison.Ordinal) ? time : DateTime.SpecifyKind(time, DateTimeKind.Unspecified);
            case ColumnKind.Date when value.ValueKind == JsonValueKind.String && ParseDate(value.GetString()!) is { } date:
                return postgres ? date : date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case ColumnKind.Json:
                return value.GetRawText();
            case ColumnKind.Uuid when value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var uuid):
                return postgres ? uuid : uuid.ToString("D");
            case ColumnKind.Blob when value.ValueKind == JsonValueKind.String && Base64(value.GetString()!) is { } bytes:
                return bytes;
            case ColumnKind.Other when value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return postgres ? OtherAsText(value) : OtherValue(value);
            default:
                throw WrongType(column, value, field);
        }
    }

    public static StorageException WrongType(ColumnInfo column, JsonElement value, string field) =>
        new(StorageErrorCode.InvalidRequest,
            $"Field '{field}': column '{column.Name}' holds {Describe(column.Kind)}; got {DescribeJson(value)}.",
            new Dictionary<string, object?> { ["field"] = field, ["column"] = column.Name, ["expected"] = Describe(column.Kind) });

    public static string Describe(ColumnKind kind) => kind switch
    {
        ColumnKind.Integer => "integers",
        ColumnKind.Float or ColumnKind.Numeric => "numbers",
        ColumnKind.Text => "text",
        ColumnKind.Boolean => "booleans (true/false)",
        ColumnKind.Timestamp => "timestamps (ISO-8601 strings such as 2025-11-22T10:30:00Z)",
        ColumnKind.Date => "dates (yyyy-MM-dd)",
        ColumnKind.Json => "JSON",
        ColumnKind.Uuid => "UUIDs (strings such as 0f8fad5b-d9cb-469f-a165-70867728950e)",
        ColumnKind.Blob => "bytes (base64 strings)",
        _ => "scalar values",
    };

    private static string DescribeJson(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{TableInfo.Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {TableInfo.Shorten(value.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    /// <summary>An ISO-8601 date-time as UTC (no offset means UTC), truncated to microseconds as PostgreSQL keeps it.</summary>
    public static DateTime? ParseTimestamp(string text) => UtcTimestampJsonConverter.TryParse(text);

    private static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static byte[]? Base64(string text)
    {
        var buffer = new byte[text.Length];
        return System.Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static string OtherAsText(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static object OtherValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => 1L,
        JsonValueKind.False => 0L,
        _ => value.TryGetInt64(out var l) ? l : value.GetDouble(),
    };
}
