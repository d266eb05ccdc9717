using System.Diagnostics.Metrics;

namespace Storage.Kv.Internal;

/// <summary>TTL sweep instruments on the service's <c>Storage</c> meter (the tier stays free of exporters).</summary>
internal static class KvMetrics
{
    private static readonly Meter Meter = new("Storage");

    /// <summary>Sweep passes over every plugin.</summary>
    public static readonly Counter<long> Sweeps = Meter.CreateCounter<long>("storage.kv.sweeps", "{sweep}", "TTL sweep passes over every plugin.");

    /// <summary>Expired entries deleted by sweeps.</summary>
    public static readonly Counter<long> SweptEntries = Meter.CreateCounter<long>("storage.kv.swept", "{entry}", "Expired KV entries deleted by the TTL sweep.");

    /// <summary>Plugins whose sweep failed.</summary>
    public static readonly Counter<long> SweepFailures = Meter.CreateCounter<long>("storage.kv.sweep.failures", "{plugin}", "Plugins whose TTL sweep failed.");
}
