namespace Storage.Host.Observability;

/// <summary>Where metrics go besides in-process listeners.</summary>
internal enum TelemetryExporter
{
    /// <summary>No exporter.</summary>
    None,

    /// <summary>OpenTelemetry console exporter (development).</summary>
    Console,

    /// <summary>OpenTelemetry protocol exporter to a collector.</summary>
    Otlp,
}
