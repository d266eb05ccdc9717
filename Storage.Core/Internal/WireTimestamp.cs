namespace Storage.Core.Internal;

/// <summary>The shape of a timestamp as the wire carries it (<see cref="UtcTimestampJsonConverter.Format(DateTime)"/>).</summary>
internal static class WireTimestamp
{
    /// <summary>
    /// True for text already in the wire form (<c>yyyy-MM-ddTHH:mm:ss[.ffffff]Z</c>, at most microseconds, no
    /// trailing zero in the fraction), which the row tier stores: parsing and formatting it again gives the
    /// same text (and text of that shape that is no date stays text either way), so it is written as it is.
    /// </summary>
    public static bool Is(string text)
    {
        var n = text.Length;
        if (n is < 20 or > 27 || n == 21 || text[n - 1] != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
            return false;
        for (var i = 0; i < 19; i++)
            if (i is not (4 or 7 or 10 or 13 or 16) && !char.IsAsciiDigit(text[i]))
                return false;
        if (n == 20)
            return true;
        if (text[19] != '.' || text[n - 2] == '0')
            return false;
        for (var i = 20; i < n - 1; i++)
            if (!char.IsAsciiDigit(text[i]))
                return false;
        return true;
    }
}
