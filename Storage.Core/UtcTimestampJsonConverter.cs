using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Core;

/// <summary>
/// Writes timestamps the way the contract wants them on the wire: ISO-8601 in UTC with a <c>Z</c>
/// (<c>2025-11-22T10:30:00Z</c>, <c>2025-11-22T10:30:00.123Z</c>), whatever offset the value carries. Reads any ISO-8601 form.
/// </summary>
public sealed class UtcTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The wire format for a UTC instant; milliseconds only when there are any.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture);

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));
}
