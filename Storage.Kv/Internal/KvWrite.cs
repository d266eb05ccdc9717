using System.Buffers;
using System.Data.Common;

namespace Storage.Kv.Internal;

/// <summary>The kinds of KV write; each runs as one statement (PostgreSQL) or one step of a batch (SQLite).</summary>
internal enum KvWriteKind
{
    Set,
    SetIfAbsent,
    SetIfRevision,
    Delete,
    Incr,
}

/// <summary>
/// One validated KV write. <see cref="Value"/> is the value's JSON text as UTF-8, stored as it came
/// (validated once, by the request's parser); <see cref="Now"/> fixes the instant used for expiry checks.
/// </summary>
internal sealed record KvWrite(
    KvWriteKind Kind,
    string Key,
    byte[]? Value,
    long? ExpiresAt,
    long Now,
    long? ExpectedRevision = null,
    long By = 0,
    bool HasTtl = false);

/// <summary>
/// The outcome of a write. <see cref="Applied"/> is false when a condition did not hold: the key
/// existed (<c>if_absent</c>), had another revision (<c>if_revision</c>), was not there (delete) or
/// held a non-integer (incr).
/// </summary>
internal readonly record struct KvWriteResult(bool Applied, long Revision = 0, long Value = 0)
{
    public static KvWriteResult NotApplied => new(false);
}

/// <summary>
/// A live entry as read: its JSON text as UTF-8 in an array rented from <see cref="ArrayPool{T}.Shared"/>
/// (whoever takes the entry gives it back with <see cref="Return"/>), its revision and expiry (unix ms).
/// </summary>
internal readonly record struct KvEntry(byte[] Buffer, int Length, long Revision, long? ExpiresAt)
{
    public ReadOnlySpan<byte> Json => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);

    /// <summary>
    /// The one place a stored KV row becomes an entry, for both backends and every read (single get,
    /// batched get, the SQLite writer's counter read): the columns value, revision and expires_at, in
    /// that order from <paramref name="first"/>; the value's UTF-8 bytes copied into a pooled array.
    /// </summary>
    public static KvEntry Read(DbDataReader reader, int first = 0)
    {
        // The text column's bytes as the provider received them (UTF-8), never decoded to a string.
        var length = checked((int)reader.GetBytes(first, 0, null, 0, 0));
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var read = 0;
            while (read < length)
                read += checked((int)reader.GetBytes(first, read, buffer, read, length - read));
            return new KvEntry(buffer, length, reader.GetInt64(first + 1), reader.IsDBNull(first + 2) ? null : reader.GetInt64(first + 2));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}

/// <summary>A page request of keys: bounds already computed from prefix and cursor.</summary>
internal readonly record struct KvKeyRange(string? Prefix, string? Upper, string? After, int Take, long Now);
