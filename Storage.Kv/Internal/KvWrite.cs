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

/// <summary>One validated KV write. <see cref="Now"/> fixes the instant used for expiry checks.</summary>
internal sealed record KvWrite(
    KvWriteKind Kind,
    string Key,
    string? Value,
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

/// <summary>A live entry as stored: its JSON text, revision and expiry (unix ms).</summary>
internal readonly record struct KvEntry(string Json, long Revision, long? ExpiresAt);

/// <summary>A page request of keys: bounds already computed from prefix and cursor.</summary>
internal readonly record struct KvKeyRange(string? Prefix, string? Upper, string? After, int Take, long Now);
