using System.Text.Json;

namespace Storage.Core.Internal;

/// <summary>
/// Timestamps in the shape the row tier stores them on SQLite (<c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>) or
/// already in the wire form (<c>yyyy-MM-ddTHH:mm:ss[.f]Z</c>, at most microseconds) go to the reply
/// without a parse and a format: only the fraction's trailing zeros are dropped, as
/// <see cref="UtcTimestampJsonConverter.Format(DateTime)"/> would. A search returns many of them.
/// </summary>
internal static class WireTimestamp
{
    /// <summary>
    /// Writes <paramref name="text"/>'s wire form and returns true when it has that shape and is a real
    /// date and time; false (nothing written) for anything else, which takes the full parse.
    /// </summary>
    public static bool TryWrite(Utf8JsonWriter writer, string text) => TryWrite(writer, text.AsSpan());

    /// <summary>The same for UTF-8 text: the shape is ASCII, so anything else is not it.</summary>
    public static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length is < 20 or > 27)
            return false;
        Span<char> text = stackalloc char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] > 0x7F)
                return false;
            text[i] = (char)utf8[i];
        }
        return TryWrite(writer, text);
    }

    private static bool TryWrite(Utf8JsonWriter writer, ReadOnlySpan<char> text)
    {
        var n = text.Length;
        if (n is < 20 or > 27 || n == 21 || text[n - 1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || (n > 20 && text[19] != '.'))
            return false;
        for (var i = 0; i < n - 1; i++)
            if (i is not (4 or 7 or 10 or 13 or 16 or 19) && !char.IsAsciiDigit(text[i]))
                return false;
        var (year, month, day) = (Number(text, 0, 4), Number(text, 5, 2), Number(text, 8, 2));
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || Number(text, 11, 2) > 23 || Number(text, 14, 2) > 59 || Number(text, 17, 2) > 59)
            return false;
        // Up to the last non-zero digit of the fraction; without the '.' when there is none.
        var end = n - 1;
        while (end > 20 && text[end - 1] == '0')
            end--;
        if (end <= 20)
            end = 19;
        Span<char> wire = stackalloc char[28];
        text[..end].CopyTo(wire);
        wire[end] = 'Z';
        writer.WriteStringValue(wire[..(end + 1)]);
        return true;
    }

    private static int Number(ReadOnlySpan<char> text, int at, int digits)
    {
        var value = 0;
        for (var i = at; i < at + digits; i++)
            value = value * 10 + text[i] - '0';
        return value;
    }
}
