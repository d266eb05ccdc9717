using System.Text;

namespace Storage.Bench;

/// <summary>The data every scenario uses: a fixed key space and 128-byte values.</summary>
internal static class BenchData
{
    public const int KeyCount = 1000;
    public const int ValueBytes = 128;

    public static string Key(int index) => $"k{index:D4}";

    /// <summary>128 bytes of text (scenarios storing raw bytes or a text column).</summary>
    public static string ValueText { get; } = new('v', ValueBytes);

    public static byte[] ValueBytesRaw { get; } = Encoding.UTF8.GetBytes(ValueText);

    /// <summary>A JSON string value that is 128 bytes serialized, quotes included.</summary>
    public static string ValueJson { get; } = "\"" + new string('v', ValueBytes - 2) + "\"";
}
