using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// One token bucket per plugin (a partitioned limiter, so one plugin's burst never drains
/// another's). Buckets refill on a shared timer; idle full buckets are dropped by the limiter.
/// </summary>
internal sealed class SqlRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<PluginId> _limiter;
    private readonly SqlOptions _options;

    public SqlRateLimiter(IOptions<SqlOptions> options)
    {
        _options = options.Value;
        _limiter = PartitionedRateLimiter.Create<PluginId, PluginId>(plugin =>
            RateLimitPartition.GetTokenBucketLimiter(plugin, p => BucketFor(p)));
    }

    /// <summary>Takes one permit or raises RATE_LIMITED with <c>retry_after_ms</c>.</summary>
    public void Acquire(PluginId plugin)
    {
        using var lease = _limiter.AttemptAcquire(plugin);
        if (lease.IsAcquired)
            return;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        var retryMs = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds));
        var limit = LimitFor(plugin);
        throw new StorageException(StorageErrorCode.RateLimited,
            $"Plugin '{plugin}' is over its SQL rate limit of {limit.PermitsPerSecond} queries per second (burst {limit.Burst}); retry in {retryMs} ms.",
            new Dictionary<string, object?> { ["retry_after_ms"] = retryMs, ["limit_per_second"] = limit.PermitsPerSecond, ["burst"] = limit.Burst });
    }

    public void Dispose() => _limiter.Dispose();

    private TokenBucketRateLimiterOptions BucketFor(PluginId plugin)
    {
        var limit = LimitFor(plugin);
        // Refill in steps of at least 100 ms (the partitioned limiter's timer tick) with whole tokens.
        var period = TimeSpan.FromMilliseconds(Math.Max(100, Math.Ceiling(1000.0 / limit.PermitsPerSecond)));
        var perPeriod = Math.Max(1, (int)Math.Round(limit.PermitsPerSecond * period.TotalSeconds));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    internal SqlRateLimitOptions LimitFor(PluginId plugin)
    {
        if (_options.PerPlugin.TryGetValue(plugin.Value, out var exact))
            return exact;
        var best = _options.PerPlugin
            .Where(p => p.Key.EndsWith('*') && plugin.Value.StartsWith(p.Key[..^1], StringComparison.Ordinal))
            .OrderByDescending(p => p.Key.Length)
            .Select(p => p.Value)
            .FirstOrDefault();
        return best ?? new SqlRateLimitOptions { PermitsPerSecond = _options.PermitsPerSecond, Burst = _options.Burst };
    }
}
