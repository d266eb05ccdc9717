using System.ComponentModel.DataAnnotations;

namespace Storage.Kv;

/// <summary>KV tier settings, bound from the <c>Kv</c> configuration section.</summary>
public sealed class KvOptions
{
    /// <summary>Largest serialized value accepted, in bytes (default 64 KiB).</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxValueBytes { get; set; } = 64 * 1024;

    /// <summary>How often expired keys are deleted in the background, in seconds.</summary>
    [Range(1, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Most gets answered by one batched read (default 256). PostgreSQL: gets of any plugins in one round
    /// trip; SQLite: one plugin's gets queued while its reader is busy, under one read transaction. Gets
    /// beyond it wait for the next batch.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxGetBatch { get; set; } = 256;

    /// <summary>
    /// SQLite: every this many WAL pages a plugin's KV writer appends, a checkpoint runs beside it (never
    /// inside its commits); at 4x this many the writer restarts the WAL itself, which bounds a busy plugin's
    /// WAL file, and what a power loss can take of its newest writes (default 1000, SQLite's own interval).
    /// </summary>
    [Range(1000, 100_000)]
    public int SqliteWriterCheckpointPages { get; set; } = 1000;
}
