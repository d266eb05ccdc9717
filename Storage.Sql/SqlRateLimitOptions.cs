using System.ComponentModel.DataAnnotations;

namespace Storage.Sql;

/// <summary>A token bucket: <see cref="PermitsPerSecond"/> queries per second on average, bursts up to <see cref="Burst"/>.</summary>
public sealed class SqlRateLimitOptions
{
    /// <summary>Queries per second refilled into the bucket.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>The bucket's size: how many queries may run back to back after a quiet spell.</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 200;
}
