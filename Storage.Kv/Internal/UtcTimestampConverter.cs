using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Kv.Internal;

/// <summary>
/// Writes times as the contract's ISO-8601 UTC strings ending in <c>Z</c>
/// (<c>2025-11-22T10:30:00Z</c>, milliseconds only when present); System.Text.Json would write <c>+00:00</c>.
/// </summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFF'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString() ?? throw new JsonException("A time must be a string."), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
