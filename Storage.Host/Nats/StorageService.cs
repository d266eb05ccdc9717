using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.Services;

namespace Storage.Host.Nats;

/// <summary>
/// Connects to NATS, registers the <c>storage</c> micro service with every tier's endpoints, and on
/// shutdown stops taking requests, finishes the ones in flight, then closes the connection.
/// </summary>
internal sealed partial class StorageService(
    IOptions<NatsOptions> options,
    IEnumerable<IEndpointGroup> groups,
    RequestDispatcher dispatcher,
    ILoggerFactory loggerFactory,
    ILogger<StorageService> logger) : IHostedService, IAsyncDisposable
{
    public const string ServiceName = "storage";
    public const string ServiceVersion = "1.0.0";

    private NatsConnection? _connection;
    private INatsSvcServer? _service;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var natsOptions = NatsOpts.Default with { Url = options.Value.Url, Name = "plugin-storage", LoggerFactory = loggerFactory };
        _connection = new NatsConnection(natsOptions);
        await _connection.ConnectAsync().ConfigureAwait(false);
        var context = new NatsSvcContext(_connection);
        _service = await context.AddServiceAsync(
            new NatsSvcConfig(ServiceName, ServiceVersion)
            {
                Description = "Isolated per-plugin storage: KV, rows, SQL and migrations.",
                QueueGroup = options.Value.QueueGroup,
            },
            cancellationToken).ConfigureAwait(false);
        foreach (var group in groups)
            await group.MapAsync(_service, dispatcher, cancellationToken).ConfigureAwait(false);
        // The server has registered every subscription once it answers a PING sent after them; only
        // then is the service really reachable (otherwise an early request gets "no responders").
        await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(logger, options.Value.Url);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_service is not null)
            await _service.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await dispatcher.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(logger);
        }
        await FlushRepliesAsync(cancellationToken).ConfigureAwait(false);
        await DisposeAsync().ConfigureAwait(false);
    }

    // Replies are buffered by the client; closing right after the drain could drop the last ones
    // although their writes were applied. A PING round trip returns only after the server has read them.
    private async Task FlushRepliesAsync(CancellationToken cancellationToken)
    {
        if (_connection is null)
            return;
        try
        {
            await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or NatsException)
        {
            LogFlushFailed(logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync().ConfigureAwait(false);
            _service = null;
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage service listening on {Url}")]
    private static partial void LogStarted(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not flush the last replies before closing the NATS connection")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timed out before every in-flight request was answered")]
    private static partial void LogDrainTimedOut(ILogger logger);
}
