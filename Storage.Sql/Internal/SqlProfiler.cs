using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Keeps per-plugin, per-fingerprint statistics in memory and logs slow queries by fingerprint
/// only: parameter values and literals never reach the log. Bounded per plugin
/// (<c>MaxFingerprintsPerPlugin</c>, then one <c>(other)</c> bucket) and for all plugins together
/// (<c>MaxFingerprints</c>, then the plugin that ran SQL least recently loses its statistics), so
/// neither a plugin's ever new query shapes nor the number of plugins grows the host's memory.
/// </summary>
internal sealed partial class SqlProfiler(IOptions<SqlOptions> options, ILogger<SqlProfiler>? logger = null) : IPluginLifecycleObserver
{
    // An embedding app that never called AddLogging() still gets a working SQL tier.
    private readonly ILogger _logger = logger ?? NullLogger<SqlProfiler>.Instance;

    public const string OtherFingerprint = "(other)";

    private readonly ConcurrentDictionary<PluginId, PluginStats> _plugins = new();
    private readonly Lock _gate = new(); // taken only to add or drop a fingerprint, never to count a run
    private readonly int _maxFingerprints = options.Value.MaxFingerprintsPerPlugin;
    private readonly int _maxTotal = options.Value.MaxFingerprints;
    private readonly int _slowQueryMs = options.Value.SlowQueryMs;
    private int _total;

    /// <summary>Fingerprints kept for all plugins (tests).</summary>
    internal int Count => Volatile.Read(ref _total);

    public void Record(PluginId plugin, string fingerprint, double elapsedMs, long rows, StorageErrorCode? error)
    {
        if (!_plugins.TryGetValue(plugin, out var stats) || !stats.Fingerprints.TryGetValue(fingerprint, out var entry))
            (stats, entry) = Add(plugin, fingerprint);
        stats.LastUsed = Stopwatch.GetTimestamp();
        entry.Record(elapsedMs, rows, error is not null);
        if (elapsedMs >= _slowQueryMs)
            LogSlow(_logger, plugin.Value, Math.Round(elapsedMs, 1), rows, error?.WireName() ?? "OK", fingerprint);
    }

    // A purged plugin starts again from scratch, statistics included.
    public ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        lock (_gate)
            Drop(plugin);
        return ValueTask.CompletedTask;
    }

    public SqlStatsResponse Stats(PluginId plugin) =>
        new(_plugins.TryGetValue(plugin, out var stats)
            ? stats.Fingerprints.Values.Select(s => s.Snapshot()).OrderByDescending(s => s.TotalMs).ThenBy(s => s.Fingerprint, StringComparer.Ordinal).ToList()
            : []);

    private (PluginStats, FingerprintStats) Add(PluginId plugin, string fingerprint)
    {
        lock (_gate)
        {
            var stats = _plugins.GetOrAdd(plugin, _ => new PluginStats());
            if (stats.Fingerprints.TryGetValue(fingerprint, out var entry))
                return (stats, entry);
            // Once full, a plugin's new shapes share one bucket.
            var key = stats.Fingerprints.Count < _maxFingerprints ? fingerprint : OtherFingerprint;
            if (stats.Fingerprints.TryGetValue(key, out entry))
                return (stats, entry);
            entry = new FingerprintStats(key);
            stats.Fingerprints[key] = entry;
            _total++;
            while (_total > _maxTotal && LeastRecentlyUsed(except: plugin) is { } oldest)
                Drop(oldest);
            return (stats, entry);
        }
    }

    // Under _gate. A scan, but only when a new fingerprint finds the host full.
    private PluginId? LeastRecentlyUsed(PluginId except)
    {
        PluginId? oldest = null;
        var oldestUse = long.MaxValue;
        foreach (var (plugin, stats) in _plugins)
        {
            if (plugin != except && stats.LastUsed < oldestUse)
                (oldest, oldestUse) = (plugin, stats.LastUsed);
        }
        return oldest;
    }

    // Under _gate.
    private void Drop(PluginId plugin)
    {
        if (_plugins.TryRemove(plugin, out var stats))
            _total -= stats.Fingerprints.Count;
    }

    private sealed class PluginStats
    {
        private long _lastUsed = Stopwatch.GetTimestamp();

        public ConcurrentDictionary<string, FingerprintStats> Fingerprints { get; } = new(StringComparer.Ordinal);

        public long LastUsed
        {
            get => Volatile.Read(ref _lastUsed);
            set => Volatile.Write(ref _lastUsed, value);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow SQL for plugin {Plugin}: {ElapsedMs} ms, {Rows} rows, {Outcome}: {Fingerprint}")]
    private static partial void LogSlow(ILogger logger, string plugin, double elapsedMs, long rows, string outcome, string fingerprint);
}
