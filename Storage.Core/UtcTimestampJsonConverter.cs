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
    /// <summary>The wire format for an instant; the fraction only with the digits it needs (none for whole seconds).</summary>
    public static string Format(DateTimeOffset value) => Format(value.UtcDateTime);

    /// <summary>The wire format for a database timestamp: local times are converted, unspecified ones are taken as UTC.</summary>
    public static string Format(DateTime value) =>
        (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));
}
