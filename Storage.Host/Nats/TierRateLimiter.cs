using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>
/// The <c>RateLimits</c> buckets: one partitioned token-bucket limiter per configured tier, a
/// bucket per plugin. The partitioned limiter replenishes buckets on its own timer and drops a
/// plugin's bucket once it has been full (idle) for a while, so ten thousand plugins that come
/// and go leave no state behind.
/// </summary>
internal sealed class TierRateLimiter : IDisposable
{
    private readonly Dictionary<string, (PartitionedRateLimiter<string> Limiter, TierRateLimit Limit, string Setting)> _tiers = new(StringComparer.Ordinal);

    public TierRateLimiter(IOptions<RateLimitOptions> options)
    {
        Add("kv", options.Value.Kv, "RateLimits:Kv");
        Add("row", options.Value.Rows, "RateLimits:Rows");
        Add("migrate", options.Value.Migrations, "RateLimits:Migrations");
    }

    /// <summary>Takes a permit for <paramref name="plugin"/> on <paramref name="tier"/> (an endpoint name's first word) or raises RATE_LIMITED.</summary>
    public void Acquire(string tier, string plugin)
    {
        if (!_tiers.TryGetValue(tier, out var entry))
            return;
        using var lease = entry.Limiter.AttemptAcquire(plugin);
        if (lease.IsAcquired)
            return;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        var retryMs = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds));
        throw new StorageException(StorageErrorCode.RateLimited,
            $"Plugin '{plugin}' is over its {entry.Setting} rate limit of {entry.Limit.PermitsPerSecond} requests per second (burst {entry.Limit.Burst}); retry in {retryMs} ms.",
            new Dictionary<string, object?> { ["retry_after_ms"] = retryMs, ["limit_per_second"] = entry.Limit.PermitsPerSecond, ["burst"] = entry.Limit.Burst });
    }

    public void Dispose()
    {
        foreach (var entry in _tiers.Values)
            entry.Limiter.Dispose();
    }

    private void Add(string tier, TierRateLimit? limit, string setting)
    {
        if (limit is null)
            return;
        // Whole tokens in steps of at least 100 ms, the partitioned limiter's replenishing tick.
        var period = TimeSpan.FromMilliseconds(Math.Max(100, Math.Ceiling(1000.0 / limit.PermitsPerSecond)));
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(limit.PermitsPerSecond * period.TotalSeconds)),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        var limiter = PartitionedRateLimiter.Create<string, string>(plugin => RateLimitPartition.GetTokenBucketLimiter(plugin, _ => bucket));
        _tiers[tier] = (limiter, limit, setting);
    }
}
