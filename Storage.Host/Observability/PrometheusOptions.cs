namespace Storage.Host.Observability;

/// <summary>The opt-in HTTP listener for Prometheus scrapes and health probes, bound from <c>Telemetry:Prometheus</c>.</summary>
internal sealed class PrometheusOptions
{
    /// <summary>
    /// Where the listener answers, e.g. <c>http://127.0.0.1:9464/</c>: <c>/metrics</c> (Prometheus text format),
    /// <c>/healthz</c> and <c>/readyz</c>. Null (default) starts no listener.
    /// </summary>
    public string? Url { get; set; }
}
