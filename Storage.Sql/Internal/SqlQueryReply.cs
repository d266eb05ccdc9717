using System.Buffers;
using System.Text.Json;

namespace Storage.Sql.Internal;

/// <summary>
/// Writes the <c>query</c> reply by hand, as the serializer writes <see cref="SqlQueryResponse"/>
/// (same property order, default writer options, <c>plan</c> left out when absent), with the rows
/// copied in as the row writer wrote them.
/// </summary>
internal static class SqlQueryReply
{
    public static void Write(IBufferWriter<byte> reply, RowWriter rows, int rowCount, double elapsedMs, JsonElement? plan)
    {
        using var writer = new Utf8JsonWriter(reply);
        writer.WriteStartObject();
        writer.WriteStartArray("columns"u8);
        foreach (var column in rows.Columns)
            writer.WriteStringValue(column);
        writer.WriteEndArray();
        writer.WritePropertyName("rows"u8);
        // Written with these very options by the row writer: valid, compact and escaped as the reply wants.
        writer.WriteRawValue(rows.Json, skipInputValidation: true);
        writer.WriteNumber("row_count"u8, rowCount);
        writer.WriteBoolean("truncated"u8, rows.Truncated);
        writer.WriteNumber("elapsed_ms"u8, elapsedMs);
        if (plan is { } element)
        {
            writer.WritePropertyName("plan"u8);
            element.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
