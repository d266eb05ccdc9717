using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>
/// Default values: a JSON literal checked against the column's type and rendered as a SQL literal
/// (never spliced unescaped), or <c>{"function": "now"}</c> for <c>timestamptz</c> and <c>date</c>.
/// Timestamps are normalized to UTC, booleans are 1/0 on SQLite, blobs are base64 in the op.
/// </summary>
internal sealed partial record ColumnSpec
{
    public string DefaultSql(JsonElement value, bool sqlite)
    {
        var field = $"{Field}.default";
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return "NULL";
            case JsonValueKind.Object when value.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.String:
                return (function.GetString(), Type) switch
                {
                    ("now", "timestamptz") => sqlite ? SqliteNow : "now()",
                    ("now", "date") => sqlite ? "(date('now'))" : "CURRENT_DATE",
                    _ => throw StorageException.InvalidField($"{field}.function",
                        $"Field '{field}.function' must be \"now\", on a timestamptz or date column; column '{Name}' is {Type}."),
                };
            case var _ when Type == "json":
                return Quote(value.GetRawText());
            case JsonValueKind.True or JsonValueKind.False when Type == "boolean":
                return value.GetBoolean() ? (sqlite ? "1" : "TRUE") : (sqlite ? "0" : "FALSE");
            case JsonValueKind.Number when Type is "integer" or "bigint" && value.TryGetInt64(out var integer):
                return integer.ToString(CultureInfo.InvariantCulture);
            case JsonValueKind.Number when Type is "real" or "double" or "numeric":
                return value.GetRawText();
            case JsonValueKind.String when Type is "text" or "varchar":
                return Quote(value.GetString()!);
            case JsonValueKind.String when Type == "timestamptz" && Timestamp(value.GetString()!) is { } time:
                return Quote(time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            case JsonValueKind.String when Type == "date" && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                return Quote(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            case JsonValueKind.String when Type == "uuid" && Guid.TryParse(value.GetString(), out var uuid):
                return Quote(uuid.ToString("D"));
            case JsonValueKind.String when Type == "blob" && Blob(value.GetString()!) is { } bytes:
                return sqlite ? $"X'{Convert.ToHexString(bytes)}'" : $"'\\x{Convert.ToHexString(bytes)}'::bytea";
            default:
                throw StorageException.InvalidField(field, $"Field '{field}' does not fit column '{Name}' ({Type}): expected {Expected()}, or {{\"function\":\"now\"}} for timestamptz/date.");
        }
    }

    private string Expected() => Type switch
    {
        "integer" or "bigint" => "an integer",
        "real" or "double" or "numeric" => "a number",
        "boolean" => "true or false",
        "timestamptz" => "an ISO-8601 string such as \"2025-11-22T10:30:00Z\"",
        "date" => "a \"yyyy-MM-dd\" string",
        "uuid" => "a UUID string",
        "blob" => "a base64 string",
        _ => "a string",
    };

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static DateTime? Timestamp(string text) =>
        IsoTimestamp().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcDateTime
            : null;

    private static byte[]? Blob(string base64)
    {
        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestamp();

    [GeneratedRegex(@"^varchar\((\d{1,9})\)$", RegexOptions.CultureInvariant)]
    private static partial Regex VarcharPattern();
}
