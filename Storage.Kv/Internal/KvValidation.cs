using System.Text;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>Checks KV request fields against the contract's limits, naming field, limit and value.</summary>
internal static class KvValidation
{
    public const int MaxKeyCharacters = 255;
    public const int DefaultListLimit = 1000;
    public const int MaxListLimit = 10_000;

    public static string Key(string? key, string field = "key")
    {
        if (key is null)
            throw StorageException.InvalidField(field, $"Field '{field}' is required and must be a string.");
        if (key.Length == 0)
            throw StorageException.OutOfRange(field, $"1..{MaxKeyCharacters} characters", "an empty string");
        var length = CountCharacters(key, field);
        if (length > MaxKeyCharacters)
            throw StorageException.OutOfRange(field, $"1..{MaxKeyCharacters} characters", $"{length} characters");
        return key;
    }

    /// <summary>Validates an optional string used as a key bound (prefix, cursor).</summary>
    public static string? Optional(string? value, string field)
    {
        if (value is null)
            return null;
        CountCharacters(value, field);
        return value;
    }

    /// <summary>Converts a TTL in seconds to an absolute expiry; null or 0 = never.</summary>
    public static long? ExpiresAt(long? ttl, long nowMs)
    {
        if (ttl is null or 0)
            return null;
        if (ttl < 0 || ttl > 100L * 365 * 24 * 3600)
            throw StorageException.OutOfRange("ttl", "whole seconds from 1 to 3153600000 (absent, 0 or null = never expires)", ttl);
        return nowMs + ttl.Value * 1000;
    }

    public static int Limit(int? limit)
    {
        if (limit is null)
            return DefaultListLimit;
        if (limit < 1 || limit > MaxListLimit)
            throw StorageException.OutOfRange("limit", $"1..{MaxListLimit}", limit);
        return limit.Value;
    }

    // Both backends store UTF-8: NUL (refused by PostgreSQL) and lone surrogates (unencodable) are refused up front.
    private static int CountCharacters(string value, string field)
    {
        var count = 0;
        foreach (var rune in EnumerateRunes(value, field))
        {
            if (rune.Value == 0)
                throw StorageException.InvalidField(field, $"Field '{field}' must not contain the NUL character (U+0000).");
            count++;
        }
        return count;
    }

    private static IEnumerable<Rune> EnumerateRunes(string value, string field)
    {
        var index = 0;
        while (index < value.Length)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                throw StorageException.InvalidField(field, $"Field '{field}' contains an unpaired surrogate at character {index}; it must be valid Unicode.");
            yield return rune;
            index += consumed;
        }
    }

    /// <summary>Refuses escaped unpaired surrogates in a value; most values hold no escape at all, so those skip the walk.</summary>
    public static void ValueText(System.Text.Json.JsonElement value, ReadOnlySpan<byte> rawJson)
    {
        if (rawJson.IndexOf("\\u"u8) >= 0 || rawJson.IndexOf("\\U"u8) >= 0)
            StorageJson.RequireValidUnicode(value, "value");
    }

    /// <summary>The smallest string greater than every string starting with <paramref name="prefix"/> in code point order, or null.</summary>
    public static string? PrefixUpperBound(string prefix)
    {
        var runes = prefix.EnumerateRunes().ToList();
        while (runes.Count > 0)
        {
            var last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last == 0x10FFFF)
                continue;
            var next = last + 1 == 0xD800 ? 0xE000 : last + 1;
            var builder = new StringBuilder();
            foreach (var r in runes)
                builder.Append(r.ToString());
            builder.Append(new Rune(next).ToString());
            return builder.ToString();
        }
        return null;
    }
}
