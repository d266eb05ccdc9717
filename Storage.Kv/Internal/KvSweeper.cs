using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// Deletes expired KV entries of every plugin at a fixed interval. Expired keys are already
/// invisible to reads; this only reclaims space. A failing plugin is logged and skipped. Plugins are
/// visited one at a time, each as a visit (<see cref="IPluginDatabase.VisitAsync"/>): a SQLite file
/// the sweep opened is closed right after, so a pass over thousands of files keeps none open.
/// It takes the concrete <see cref="KvStore"/> (registered beside <see cref="IKvStore"/>), no downcast:
/// sweeping is no operation of the public interface, and an app that decorates <see cref="IKvStore"/>
/// still gets the real sweep.
/// </summary>
internal sealed partial class KvSweeper(IPluginDatabase database, KvStore store, IOptions<KvOptions> options, ILogger<KvSweeper>? logger = null) : BackgroundService
{
    // An embedding app that never called AddLogging() still gets a working KV tier.
    private readonly ILogger _logger = logger ?? NullLogger<KvSweeper>.Instance;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                await SweepAllAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>One pass over every plugin; returns the number of entries deleted.</summary>
    public async Task<int> SweepAllAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        IReadOnlyList<PluginId> plugins;
        try
        {
            plugins = await database.ListPluginsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSweepFailed(_logger, ex, "(all)");
            KvMetrics.SweepFailures.Add(1);
            return 0;
        }
        foreach (var plugin in plugins)
        {
            try
            {
                await using (await database.VisitAsync(plugin, cancellationToken).ConfigureAwait(false))
                    deleted += await store.SweepAsync(plugin, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(_logger, ex, plugin.Value);
                KvMetrics.SweepFailures.Add(1);
            }
        }
        KvMetrics.Sweeps.Add(1);
        KvMetrics.SweptEntries.Add(deleted);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired KV entries failed for {Plugin}")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, string plugin);
}
