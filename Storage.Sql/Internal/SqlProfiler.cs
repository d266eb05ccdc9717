using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Keeps per-plugin, per-fingerprint statistics in memory and logs slow queries by fingerprint
/// only: parameter values and literals never reach the log.
/// </summary>
internal sealed partial class SqlProfiler(IOptions<SqlOptions> options, ILogger<SqlProfiler>? logger = null) : IPluginLifecycleObserver
{
    // An embedding app that never called AddLogging() still gets a working SQL tier.
    private readonly ILogger _logger = logger ?? NullLogger<SqlProfiler>.Instance;

    public const string OtherFingerprint = "(other)";

    private readonly ConcurrentDictionary<PluginId, ConcurrentDictionary<string, FingerprintStats>> _plugins = new();
    private readonly int _maxFingerprints = options.Value.MaxFingerprintsPerPlugin;
    private readonly int _slowQueryMs = options.Value.SlowQueryMs;

    public void Record(PluginId plugin, string fingerprint, double elapsedMs, long rows, StorageErrorCode? error)
    {
        var stats = _plugins.GetOrAdd(plugin, _ => new ConcurrentDictionary<string, FingerprintStats>(StringComparer.Ordinal));
        if (!stats.TryGetValue(fingerprint, out var entry))
        {
            // Bounded: once full, new shapes share one bucket (the count check races by at most a few entries).
            var key = stats.Count < _maxFingerprints ? fingerprint : OtherFingerprint;
            entry = stats.GetOrAdd(key, k => new FingerprintStats(k));
        }
        entry.Record(elapsedMs, rows, error is not null);
        if (elapsedMs >= _slowQueryMs)
            LogSlow(_logger, plugin.Value, Math.Round(elapsedMs, 1), rows, error?.WireName() ?? "OK", fingerprint);
    }

    // A purged plugin starts again from scratch, statistics included.
    public ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        _plugins.TryRemove(plugin, out _);
        return ValueTask.CompletedTask;
    }

    public SqlStatsResponse Stats(PluginId plugin) =>
        new(_plugins.TryGetValue(plugin, out var stats)
            ? stats.Values.Select(s => s.Snapshot()).OrderByDescending(s => s.TotalMs).ThenBy(s => s.Fingerprint, StringComparer.Ordinal).ToList()
            : []);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow SQL for plugin {Plugin}: {ElapsedMs} ms, {Rows} rows, {Outcome}: {Fingerprint}")]
    private static partial void LogSlow(ILogger logger, string plugin, double elapsedMs, long rows, string outcome, string fingerprint);
}
