namespace Storage.Host.Observability;

/// <summary>Metrics export settings, bound from the <c>Telemetry</c> configuration section.</summary>
internal sealed class TelemetryOptions
{
    /// <summary><c>none</c> (default: metrics exist for in-process listeners only), <c>console</c> or <c>otlp</c>.</summary>
    public TelemetryExporter Exporter { get; set; } = TelemetryExporter.None;

    /// <summary>The OTLP endpoint; when null the exporter's default or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> applies.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How often metrics are exported, in milliseconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(1000, 3_600_000)]
    public int ExportIntervalMs { get; set; } = 60_000;

    /// <summary>Whether metrics carry a <c>plugin</c> tag; turn off with very many plugins to bound cardinality.</summary>
    public bool PluginTag { get; set; } = true;

    /// <summary>The Prometheus scrape and health listener (<c>Telemetry:Prometheus:Url</c>); off unless a URL is set.</summary>
    public PrometheusOptions Prometheus { get; set; } = new();
}
