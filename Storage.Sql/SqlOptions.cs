using System.ComponentModel.DataAnnotations;

namespace Storage.Sql;

/// <summary>SQL tier settings, bound from the <c>Sql</c> configuration section.</summary>
public sealed class SqlOptions
{
    /// <summary>Queries per second refilled into each plugin's bucket (default 100).</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Each plugin's bucket size (default 200).</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 200;

    /// <summary>
    /// Rate limits for particular plugins, by plugin name; a key ending in <c>*</c> matches every
    /// plugin starting with what precedes it (the longest match wins).
    /// </summary>
    public Dictionary<string, SqlRateLimitOptions> PerPlugin { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Queries at least this slow (ms) are logged with their fingerprint; 0 logs every query.</summary>
    [Range(0, 3_600_000)]
    public int SlowQueryMs { get; set; } = 100;

    /// <summary>Largest serialized <c>rows</c> (and <c>plan</c>) of one reply, in bytes (default 4 MiB); more is TOO_LARGE.</summary>
    [Range(1024, 512 * 1024 * 1024)]
    public int MaxResultBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Bytes of cached query results (<c>cache_ms</c>) all plugins together may hold (default 16 MiB; 0 turns the cache off).</summary>
    [Range(0, 1024L * 1024 * 1024)]
    public long ResultCacheBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Bytes of cached results one plugin may hold (default 1 MiB); over it, its own oldest entries make room.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long ResultCacheBytesPerPlugin { get; set; } = 1024 * 1024;

    /// <summary>Largest <c>cache_ms</c> a query may ask for (default 60000): how stale a reply may be after a write through another host.</summary>
    [Range(1, 3_600_000)]
    public int ResultCacheMaxMs { get; set; } = 60_000;

    /// <summary>Distinct query fingerprints kept per plugin; further ones are counted under <c>(other)</c>.</summary>
    [Range(1, 100_000)]
    public int MaxFingerprintsPerPlugin { get; set; } = 200;

    /// <summary>
    /// Distinct query fingerprints kept for all plugins together (default 20,000, each up to ~8 KiB);
    /// past it the statistics of the plugin that ran SQL least recently are dropped whole.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxFingerprints { get; set; } = 20_000;
}
