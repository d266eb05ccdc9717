using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Writes one column value as JSON: numbers as numbers, booleans (SQLite BOOLEAN columns too),
/// timestamps as ISO-8601 UTC, json/jsonb (SQLite JSON columns) as JSON, binary as base64.
/// </summary>
internal static class ValueWriter
{
    public static void Write(Utf8JsonWriter writer, DbDataReader reader, int ordinal, string type, bool postgres)
    {
        if (reader.IsDBNull(ordinal))
        {
            writer.WriteNullValue();
            return;
        }
        object value;
        try
        {
            value = reader.GetValue(ordinal);
        }
        catch (Exception ex) when (ex is InvalidCastException or NotSupportedException or OverflowException)
        {
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Column '{reader.GetName(ordinal)}' has type '{type}', which cannot be returned as JSON; cast it to text.",
                new Dictionary<string, object?> { ["column"] = reader.GetName(ordinal), ["type"] = type }, ex);
        }
        if (!postgres && value is long flag && type.Contains("BOOL", StringComparison.OrdinalIgnoreCase))
            writer.WriteBooleanValue(flag != 0);
        else if (value is string text && IsJsonType(type, postgres))
            WriteJson(writer, text);
        else if (postgres && type == "date" && value is DateTime date)
            writer.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        else
            WriteValue(writer, value);
    }

    private static bool IsJsonType(string type, bool postgres) =>
        postgres ? type is "json" or "jsonb" : type.Contains("JSON", StringComparison.OrdinalIgnoreCase);

    private static void WriteJson(Utf8JsonWriter writer, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteStringValue(text); // SQLite does not enforce a declared JSON type.
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case bool b: writer.WriteBooleanValue(b); break;
            case long l: writer.WriteNumberValue(l); break;
            case int i: writer.WriteNumberValue(i); break;
            case short s: writer.WriteNumberValue(s); break;
            case byte by: writer.WriteNumberValue(by); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
            case double or float: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case string text: writer.WriteStringValue(text); break;
            case byte[] bytes: writer.WriteBase64StringValue(bytes); break;
            case DateTime dt: writer.WriteStringValue(UtcTimestampJsonConverter.Format(dt)); break;
            case DateTimeOffset dto: writer.WriteStringValue(UtcTimestampJsonConverter.Format(dto)); break;
            case DateOnly day: writer.WriteStringValue(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case TimeOnly time: writer.WriteStringValue(time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)); break;
            case TimeSpan span: writer.WriteStringValue(span.ToString("c", CultureInfo.InvariantCulture)); break;
            case Guid guid: writer.WriteStringValue(guid.ToString()); break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    if (item is null or DBNull)
                        writer.WriteNullValue();
                    else
                        WriteValue(writer, item);
                }
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
