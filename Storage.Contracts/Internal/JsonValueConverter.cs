using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Contracts.Internal;

/// <summary>
/// Reads any JSON value into a <see cref="JsonElement"/>, keeping an explicit JSON <c>null</c> as a
/// value (a Null element) so that only an absent field stays unset; by default <c>"value": null</c>
/// would be indistinguishable from a missing <c>value</c>.
/// </summary>
internal sealed class JsonValueConverter : JsonConverter<JsonElement?>
{
    public override bool HandleNull => true;

    // One copy of the value's bytes, owned by the element (no pooled document to clone from).
    public override JsonElement? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement? value, JsonSerializerOptions options)
    {
        if (value is { } element)
            element.WriteTo(writer);
        else
            writer.WriteNullValue();
    }
}
