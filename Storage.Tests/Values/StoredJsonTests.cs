using System.Buffers;
using System.Text;
using System.Text.Json;
using Storage.Core;

namespace Storage.Tests.Values;

/// <summary>
/// Stored JSON text written into a reply is exactly what writing its parsed element gives, whether it
/// is copied as it is (compact ASCII) or token by token (spacing, escapes, non-ASCII, HTML-sensitive text).
/// </summary>
[TestClass]
public sealed class StoredJsonTests
{
    [TestMethod]
    [DataRow("""{"a":1,"b":[true,false,null],"c":"x y z","d":{"e":-1.5e+10}}""", true)]
    [DataRow("\"\"", true)]
    [DataRow("12345678901234567890123456789", true)]
    [DataRow("""{ "a":1}""", false)]
    [DataRow("[1,\n2]", false)]
    [DataRow("\"caf\u00e9\"", false)]
    [DataRow("""["caf\u00e9"]""", false)]
    [DataRow("""["\/"]""", false)]
    [DataRow("""{"a":"<b>"}""", false)]
    [DataRow("""{"a":"it's"}""", false)]
    [DataRow("""{"a":"1+1"}""", false)]
    [DataRow("""{"a&b":1}""", false)]
    [DataRow("\"tab\\there\"", false)]
    public void Text_is_copied_as_it_is_only_when_the_writer_would_write_it_unchanged(string json, bool asItIs)
    {
        Assert.AreEqual(asItIs, StoredJson.IsCompactAscii(Encoding.UTF8.GetBytes(json)));
        Assert.AreEqual(Reference(json), Written(json));
        if (asItIs)
            Assert.AreEqual(json, Written(json));
    }

    [TestMethod]
    [DataRow("""{ "k\u00e9y" : [ "\ud83d\ude00" , "\u0041\n" , 1E400 , -0 ] }""")]
    [DataRow("\"caf\u00e9 \uD83D\uDE00 ` ' + < > & \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u2028\"")]
    [DataRow("""[[[[[[[[[[{"x":[{"y":"z"}]}]]]]]]]]]]""")]
    public void Escaped_spaced_and_non_ASCII_text_is_rewritten_as_the_parsed_element_would_be(string json) =>
        Assert.AreEqual(Reference(json), Written(json));

    [TestMethod]
    public void A_long_escaped_string_is_unescaped_through_a_pooled_buffer()
    {
        var json = "\"" + string.Concat(Enumerable.Repeat("\\u00e9\\n<x>", 2000)) + "\"";
        Assert.AreEqual(Reference(json), Written(json));
    }

    private static string Written(string json)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            StoredJson.WriteValue(writer, Encoding.UTF8.GetBytes(json));
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan)[1..^1];
    }

    private static string Reference(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            document.RootElement.WriteTo(writer);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan)[1..^1];
    }
}
