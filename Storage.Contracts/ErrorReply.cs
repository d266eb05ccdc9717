using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Storage.Contracts;

/// <summary>
/// Writes the contract's failure body: <c>{"error": {"code", "message", "details"}}</c>. Messages
/// and detail values may echo what a plugin sent (a field name, a value), so they are cut to
/// <see cref="MaxMessageChars"/> and <see cref="MaxDetailChars"/>; the whole body always fits the
/// byte limit it is given (the NATS server's <c>max_payload</c> less headers). The client reads it
/// back with <see cref="TryRead"/>, so both sides share one definition of the shape.
/// </summary>
public static partial class ErrorReply
{
    /// <summary>The longest message kept, in UTF-16 characters; longer ones are cut with a marker.</summary>
    public const int MaxMessageChars = 1024;

    /// <summary>The longest detail string (or a detail value's JSON text) kept.</summary>
    public const int MaxDetailChars = 256;

    /// <summary>List details (valid operations, names) keep at most this many items.</summary>
    public const int MaxDetailItems = 64;

    private static readonly Dictionary<string, object?> NoDetails = [];

    // Text as it is (quotes in messages stay 'key'): replies are JSON for NATS clients, never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The failure body for <paramref name="error"/>, at most <paramref name="maxBytes"/> long (details dropped first).</summary>
    public static byte[] Serialize(StorageException error, long maxBytes = long.MaxValue)
    {
        var body = Write(error, MaxMessageChars, withDetails: true);
        if (body.Length <= maxBytes)
            return body;
        // Details dropped and the message shortened: small enough for any NATS server.
        return Write(error, 200, withDetails: false);
    }

    /// <summary><paramref name="text"/> cut to <paramref name="max"/> characters (never inside a surrogate pair), marked when cut.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
            return text;
        var end = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, end), $"... (cut, {text.Length} characters)");
    }

    private static byte[] Write(StorageException error, int messageChars, bool withDetails)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code.WireName());
            writer.WriteString("message", Cut(error.Message, messageChars));
            writer.WriteStartObject("details");
            foreach (var (name, value) in withDetails ? error.Details : NoDetails)
            {
                writer.WritePropertyName(Cut(name, MaxDetailChars));
                WriteScalar(writer, value);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteScalar(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d: writer.WriteNumberValue(d); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case string s: writer.WriteStringValue(Cut(s, MaxDetailChars)); break;
            case JsonElement e when e.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String
                && e.GetRawText() is { Length: > MaxDetailChars } raw:
                writer.WriteStringValue(Cut(raw, MaxDetailChars));
                break;
            case JsonElement e: e.WriteTo(writer); break;
            case IEnumerable<string> list:
                writer.WriteStartArray();
                foreach (var item in list.Take(MaxDetailItems))
                    writer.WriteStringValue(Cut(item, MaxDetailChars));
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Cut(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", MaxDetailChars)); break;
        }
    }
}
