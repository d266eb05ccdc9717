using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Storage.Host.Observability;

/// <summary>
/// The service's instruments on the <c>Storage</c> meter: requests, errors by contract code and
/// latency per tier, operation and plugin, plus how many dispatcher slots are busy. Tag values come
/// from endpoint names and validated plugin ids only, never from a request body.
/// </summary>
internal sealed class StorageMetrics
{
    /// <summary>The meter name to enable in exporters and listeners.</summary>
    public const string MeterName = "Storage";

    /// <summary>Plugin tag value when the subject's plugin token is not a valid plugin id.</summary>
    public const string InvalidPlugin = "(invalid)";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly bool _pluginTag;

    public StorageMetrics(IMeterFactory meterFactory, Microsoft.Extensions.Options.IOptions<TelemetryOptions> options)
    {
        var meter = meterFactory.Create(MeterName);
        _pluginTag = options.Value.PluginTag;
        _requests = meter.CreateCounter<long>("storage.requests", "{request}", "Requests answered, by tier, operation and plugin.");
        _errors = meter.CreateCounter<long>("storage.request.errors", "{request}", "Requests answered with an error, by contract code.");
        _duration = meter.CreateHistogram<double>("storage.request.duration", "s", "Time from dispatch to reply.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        Meter = meter;
    }

    /// <summary>The meter, for gauges owned by other classes (dispatcher slots).</summary>
    public Meter Meter { get; }

    /// <summary>Records one answered request; <paramref name="errorCode"/> is null on success.</summary>
    public void Record(string tier, string operation, string plugin, string? errorCode, TimeSpan elapsed)
    {
        var tags = new TagList { { "tier", tier }, { "operation", operation } };
        if (_pluginTag)
            tags.Add("plugin", plugin);
        _duration.Record(elapsed.TotalSeconds, tags);
        tags.Add("outcome", errorCode is null ? "ok" : "error");
        _requests.Add(1, tags);
        if (errorCode is not null)
        {
            tags.Add("code", errorCode);
            _errors.Add(1, tags);
        }
    }
}
