using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using Storage.Host.Health;

namespace Storage.Host.Observability;

/// <summary>
/// Registers the service's metrics and, when configured, an OpenTelemetry exporter for them (console
/// or OTLP) and the Prometheus scrape listener with its health probes.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    // Npgsql publishes its pool and command metrics on its own meter.
    private static readonly string[] Meters = [StorageMetrics.MeterName, "Npgsql"];

    public static IServiceCollection AddStorageTelemetry(this IServiceCollection services, IConfiguration section)
    {
        services.AddMetrics();
        services.AddOptions<TelemetryOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<StorageMetrics>();
        services.TryAddSingleton<ServiceReadiness>();
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var prometheus = PrometheusUrl(options.Prometheus.Url);
        if (options.Exporter == TelemetryExporter.None && prometheus is null)
            return services;
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(Meters);
            if (options.Exporter == TelemetryExporter.Console)
                metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalMs);
            else if (options.Exporter == TelemetryExporter.Otlp)
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    if (options.OtlpEndpoint is not null)
                        exporter.Endpoint = options.OtlpEndpoint;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalMs;
                });
            if (prometheus is not null)
                metrics.AddPrometheusHttpListener(listener =>
                {
                    var uri = new Uri(prometheus);
                    listener.Host = uri.Host;
                    listener.Port = uri.Port;
                    listener.ScrapeEndpointPath = "/metrics";
                });
        });
        if (prometheus is not null)
            services.AddHostedService(provider => ActivatorUtilities.CreateInstance<HealthListener>(provider, prometheus));
        return services;
    }

    // HttpListener prefixes must end in '/'; a wrong URL is a start error naming the setting.
    private static string? PrometheusUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
            return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
            throw new InvalidOperationException(
                $"Telemetry:Prometheus:Url must be an http URL with no path, such as http://127.0.0.1:9464/; got '{url}'.");
        return uri.GetLeftPart(UriPartial.Authority) + "/";
    }
}
