using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace Storage.Host.Observability;

/// <summary>Registers the service's metrics and, when configured, an OpenTelemetry exporter for them.</summary>
internal static class TelemetryServiceCollectionExtensions
{
    // Npgsql publishes its pool and command metrics on its own meter.
    private static readonly string[] Meters = [StorageMetrics.MeterName, "Npgsql"];

    public static IServiceCollection AddStorageTelemetry(this IServiceCollection services, IConfiguration section)
    {
        services.AddMetrics();
        services.AddOptions<TelemetryOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<StorageMetrics>();
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (options.Exporter == TelemetryExporter.None)
            return services;
        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(Meters);
            if (options.Exporter == TelemetryExporter.Console)
                metrics.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalMs);
            else
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    if (options.OtlpEndpoint is not null)
                        exporter.Endpoint = options.OtlpEndpoint;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ExportIntervalMs;
                });
        });
        return services;
    }
}
