using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Storage.Host.Observability;

namespace Storage.Host.Nats;

/// <summary>
/// Requests published without a reply subject (fire-and-forget, a NATS idiom) are applied, counted
/// in <c>storage.requests.unanswerable</c> and logged at most once a minute per plugin, without a stack.
/// The per-plugin memory of the last log line is bounded (<see cref="MaxTracked"/>; then it starts over).
/// </summary>
internal sealed partial class UnansweredRequests
{
    /// <summary>Plugins whose last log time is remembered at most.</summary>
    public const int MaxTracked = 10_000;

    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastLogged = new(StringComparer.Ordinal);
    private readonly Counter<long> _count;
    private readonly TimeProvider _clock;
    private readonly ILogger<UnansweredRequests> _logger;

    public UnansweredRequests(StorageMetrics metrics, TimeProvider clock, ILogger<UnansweredRequests> logger)
    {
        _count = metrics.Meter.CreateCounter<long>("storage.requests.unanswerable", "{request}",
            "Requests published without a reply subject; they are applied, but nobody hears the outcome.");
        _clock = clock;
        _logger = logger;
    }

    public void Record(string tier, string operation, string plugin, string subject, string? errorCode)
    {
        _count.Add(1, new TagList { { "tier", tier }, { "operation", operation }, { "outcome", errorCode is null ? "ok" : "error" } });
        var now = _clock.GetUtcNow();
        if (_lastLogged.TryGetValue(plugin, out var last) && now - last < LogInterval)
            return;
        if (_lastLogged.Count >= MaxTracked)
            _lastLogged.Clear();
        _lastLogged[plugin] = now;
        LogUnanswerable(_logger, plugin, subject, errorCode ?? "ok");
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Plugin {Plugin} sent a request without a reply subject on {Subject} (outcome {Outcome}); it was applied but cannot be answered. Logged at most once a minute per plugin; see storage.requests.unanswerable")]
    private static partial void LogUnanswerable(ILogger logger, string plugin, string subject, string outcome);
}
