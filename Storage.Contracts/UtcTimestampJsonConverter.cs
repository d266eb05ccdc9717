using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Storage.Contracts;

/// <summary>
/// Writes timestamps the way the contract wants them on the wire: ISO-8601 in UTC with a <c>Z</c>
/// (<c>2025-11-22T10:30:00Z</c>, <c>2025-11-22T10:30:00.123Z</c>), whatever offset the value carries. Reads any ISO-8601 form.
/// </summary>
public sealed partial class UtcTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The wire format for an instant; the fraction only with the digits it needs (none for whole seconds).</summary>
    public static string Format(DateTimeOffset value) => Format(value.UtcDateTime);

    /// <summary>The wire format for a database timestamp: local times are converted, unspecified ones are taken as UTC.</summary>
    public static string Format(DateTime value) =>
        (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// An ISO-8601 date-time (<c>T</c> or a space between date and time) as UTC, no offset meaning
    /// UTC, truncated to microseconds as PostgreSQL keeps it; null when the text is not one.
    /// </summary>
    public static DateTime? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsoTimestamp().IsMatch(text))
            return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            return null;
        var utc = parsed.UtcDateTime;
        return new DateTime(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
    }

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestamp();
}
