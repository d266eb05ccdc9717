using System.Buffers;
using System.Text.Json;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>Writes the contract's failure body: <c>{"error": {"code", "message", "details"}}</c>.</summary>
internal static class ErrorReply
{
    public static byte[] Serialize(StorageException error)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, StorageJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", error.Code.WireName());
            writer.WriteString("message", error.Message);
            writer.WriteStartObject("details");
            foreach (var (name, value) in error.Details)
            {
                writer.WritePropertyName(name);
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
            case JsonElement e: e.WriteTo(writer); break;
            case IEnumerable<string> list:
                writer.WriteStartArray();
                foreach (var item in list)
                    writer.WriteStringValue(item);
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }
}
