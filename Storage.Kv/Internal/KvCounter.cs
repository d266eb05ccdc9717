using System.Globalization;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>The arithmetic of <c>incr</c>, shared by the engines that compute counters in process.</summary>
internal static class KvCounter
{
    /// <summary>
    /// Adds <see cref="KvWrite.By"/> to the current entry (missing = 0). False when the value is not a
    /// plain JSON integer; CONFLICT when the sum leaves 64-bit range. A ttl resets the expiry; without
    /// one an existing counter keeps its own.
    /// </summary>
    public static bool TryAdd(KvWrite write, KvEntry? current, out long next, out long? expires)
    {
        long value = 0;
        expires = write.HasTtl ? write.ExpiresAt : current?.ExpiresAt;
        next = 0;
        if (current is { } entry && !TryParseInteger(entry.Json, out value))
            return false;
        try
        {
            next = checked(value + write.By);
        }
        catch (OverflowException)
        {
            throw Overflow(write);
        }
        return true;
    }

    public static StorageException Overflow(KvWrite write) =>
        new(StorageErrorCode.Conflict, $"Incrementing key '{write.Key}' by {write.By} leaves the 64-bit integer range.",
            new Dictionary<string, object?> { ["key"] = write.Key, ["field"] = "by" });

    public static bool TryParseInteger(ReadOnlySpan<byte> json, out long value)
    {
        value = 0;
        var digits = json.StartsWith((byte)'-') ? json[1..] : json;
        return digits.Length > 0 && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9')
            && long.TryParse(json, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
