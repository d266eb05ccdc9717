using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Storage.Core.Internal;

/// <summary>
/// Embeds JSON text held in a column as JSON, compacted (PostgreSQL's jsonb output has spaces
/// after <c>:</c> and <c>,</c>), token by token through a reader, without building a document.
/// </summary>
internal static class JsonText
{
    /// <summary>Writes <paramref name="text"/> as a JSON value; false (nothing written) when it is not valid JSON.</summary>
    public static bool TryCopy(string text, Utf8JsonWriter writer)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var utf8 = buffer.AsSpan(0, Encoding.UTF8.GetBytes(text, buffer));
            if (!IsValid(utf8))
                return false;
            Copy(utf8, writer);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A first pass so that text which is not JSON leaves the writer untouched.
    private static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            while (reader.Read())
            {
            }
            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void Copy(ReadOnlySpan<byte> utf8, Utf8JsonWriter writer)
    {
        var reader = new Utf8JsonReader(utf8);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                case JsonTokenType.PropertyName: writer.WritePropertyName(reader.GetString()!); break;
                case JsonTokenType.String: writer.WriteStringValue(reader.GetString()); break;
                // The number's own digits: 1e400 or 30 decimals stay exactly as stored.
                case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                default: writer.WriteNullValue(); break;
            }
        }
    }
}
