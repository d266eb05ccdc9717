using System.Buffers;
using System.Text.Json;

namespace Storage.Core;

/// <summary>
/// Writes JSON text the service stored after validating it (a KV value) into a reply, exactly as
/// writing its parsed <see cref="JsonElement"/> would: compact, strings escaped by the writer's
/// encoder. Text already in that form (the common case: no whitespace between tokens, strings of
/// plain ASCII without escapes) is copied as it is with <see cref="Utf8JsonWriter.WriteRawValue(ReadOnlySpan{byte}, bool)"/>;
/// anything else token by token through a reader, without building a document.
/// </summary>
public static class StoredJson
{
    // Bytes that stay as they are between tokens (structure, numbers, literals): printable ASCII but space and quote.
    private static readonly SearchValues<byte> Outside = SearchValues.Create(Range(0x21, 0x7E).Where(b => b != '"').ToArray());

    // Bytes that stay as they are inside a string: those the default encoder leaves alone, no quote, no backslash.
    private static readonly SearchValues<byte> Inside = SearchValues.Create(Range(0x20, 0x7E).Where(b => b is not ((byte)'"' or (byte)'\\') && !Escaped(b)).ToArray());

    /// <summary>Writes <paramref name="utf8Json"/>, one complete JSON value that was validated when stored, as the next value.</summary>
    public static void WriteValue(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8Json)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (writer.Options.Encoder is null && !writer.Options.Indented && IsCompactAscii(utf8Json))
            writer.WriteRawValue(utf8Json, skipInputValidation: true);
        else
            Copy(writer, utf8Json);
    }

    /// <summary>Whether the text has no whitespace between tokens and only strings the default encoder writes unchanged.</summary>
    internal static bool IsCompactAscii(ReadOnlySpan<byte> json)
    {
        var i = 0;
        while (i < json.Length)
        {
            var stop = json[i..].IndexOfAnyExcept(Outside);
            if (stop < 0)
                return true;
            i += stop;
            if (json[i] != '"')
                return false;
            var end = json[(i + 1)..].IndexOfAnyExcept(Inside);
            if (end < 0 || json[i + 1 + end] != '"')
                return false;
            i += end + 2;
        }
        return true;
    }

    private static void Copy(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: writer.WriteStartObject(); break;
                case JsonTokenType.EndObject: writer.WriteEndObject(); break;
                case JsonTokenType.StartArray: writer.WriteStartArray(); break;
                case JsonTokenType.EndArray: writer.WriteEndArray(); break;
                case JsonTokenType.PropertyName or JsonTokenType.String: WriteText(writer, ref reader); break;
                // The number's own digits, as a parsed element writes them.
                case JsonTokenType.Number: writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true); break;
                case JsonTokenType.True: writer.WriteBooleanValue(true); break;
                case JsonTokenType.False: writer.WriteBooleanValue(false); break;
                default: writer.WriteNullValue(); break;
            }
        }
    }

    // Unescaped into a stack or pooled buffer, then escaped again by the writer's encoder.
    private static void WriteText(Utf8JsonWriter writer, ref Utf8JsonReader reader)
    {
        var property = reader.TokenType == JsonTokenType.PropertyName;
        if (!reader.ValueIsEscaped)
        {
            Write(writer, reader.ValueSpan, property);
            return;
        }
        var length = reader.ValueSpan.Length;
        byte[]? rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            var buffer = rented ?? stackalloc byte[256];
            Write(writer, buffer[..reader.CopyString(buffer)], property);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8, bool property)
    {
        if (property)
            writer.WritePropertyName(utf8);
        else
            writer.WriteStringValue(utf8);
    }

    private static IEnumerable<byte> Range(int first, int last) => Enumerable.Range(first, last - first + 1).Select(b => (byte)b);

    // Asks a writer with default options, so the table follows the framework's encoder rather than a copy of its rules.
    private static bool Escaped(byte b)
    {
        var buffer = new ArrayBufferWriter<byte>(16);
        using (var writer = new Utf8JsonWriter(buffer))
            writer.WriteStringValue([b]);
        return buffer.WrittenCount != 3;
    }
}
