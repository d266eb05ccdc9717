using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using NpgsqlTypes;

namespace Storage.Core.Internal;

/// <summary>
/// PostgreSQL values that have no lossless CLR type: <c>numeric</c> past <see cref="decimal"/>
/// (28 digits, NaN, Infinity) is decoded from its binary wire form to its exact decimal text, and
/// <c>interval</c> (months, days and time kept apart) becomes an ISO-8601 duration, which
/// PostgreSQL reads back as it is.
/// </summary>
internal static class PostgresWireValues
{
    private const ushort Negative = 0x4000;
    private const ushort NaN = 0xC000;
    private const ushort PositiveInfinity = 0xD000;
    private const ushort NegativeInfinity = 0xF000;

    /// <summary>
    /// The decimal text of a binary numeric (<c>ndigits, weight, sign, dscale</c>, then base-10000
    /// digits), or <c>NaN</c>/<c>Infinity</c>/<c>-Infinity</c>; <paramref name="isNumber"/> is false for those.
    /// </summary>
    public static string Numeric(ReadOnlySpan<byte> wire, out bool isNumber)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(wire);
        var weight = BinaryPrimitives.ReadInt16BigEndian(wire[2..]);
        var sign = BinaryPrimitives.ReadUInt16BigEndian(wire[4..]);
        var scale = BinaryPrimitives.ReadInt16BigEndian(wire[6..]);
        isNumber = sign is 0 or Negative;
        switch (sign)
        {
            case NaN: return "NaN";
            case PositiveInfinity: return "Infinity";
            case NegativeInfinity: return "-Infinity";
        }
        var text = new StringBuilder(8 + 4 * (count + 2) + scale);
        if (sign == Negative)
            text.Append('-');
        if (weight < 0)
            text.Append('0');
        for (var i = 0; i <= weight; i++)
            text.Append(Digit(wire, count, i).ToString(i == 0 ? "D1" : "D4", CultureInfo.InvariantCulture));
        if (scale > 0)
        {
            text.Append('.');
            var fractionStart = text.Length;
            for (var k = 1; text.Length - fractionStart < scale; k++)
                text.Append(Digit(wire, count, weight + k).ToString("D4", CultureInfo.InvariantCulture));
            text.Length = fractionStart + scale;
        }
        return text.ToString();
    }

    // Base-10000 digit i; the ones past those stored (or before the first) are zero.
    private static int Digit(ReadOnlySpan<byte> wire, int count, int i) =>
        i >= 0 && i < count ? BinaryPrimitives.ReadInt16BigEndian(wire[(8 + 2 * i)..]) : 0;

    /// <summary>An ISO-8601 duration with PostgreSQL's signs per field: <c>P1Y2M3DT4H5M6.5S</c>, <c>P-1Y-2M</c>, <c>PT0S</c>.</summary>
    public static string Duration(NpgsqlInterval interval)
    {
        var text = new StringBuilder("P");
        Field(text, interval.Months / 12, 'Y');
        Field(text, interval.Months % 12, 'M');
        Field(text, interval.Days, 'D');
        var micros = interval.Time;
        if (micros != 0 || text.Length == 1)
        {
            text.Append('T');
            Field(text, micros / 3_600_000_000, 'H');
            Field(text, micros / 60_000_000 % 60, 'M');
            var seconds = micros % 60_000_000;
            if (seconds != 0 || micros == 0)
            {
                var abs = Math.Abs(seconds);
                text.Append(seconds < 0 ? "-" : "").Append((abs / 1_000_000).ToString(CultureInfo.InvariantCulture));
                if (abs % 1_000_000 != 0)
                    text.Append('.').Append((abs % 1_000_000).ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0'));
                text.Append('S');
            }
        }
        return text.ToString();
    }

    private static void Field(StringBuilder text, long value, char unit)
    {
        if (value != 0)
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
    }
}
