using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Health;

namespace Storage.Host.Nats;

/// <summary>
/// Checks the database, connects to NATS (both with a bounded retry, failing the start with a clear
/// message), registers the <c>storage</c> micro service with every tier's endpoints, and on
/// shutdown stops taking requests, finishes the ones in flight, then closes the connection.
/// </summary>
internal sealed partial class StorageService(
    IOptions<NatsOptions> options,
    IOptions<StorageOptions> storageOptions,
    IPluginDatabase database,
    IEnumerable<IEndpointGroup> groups,
    RequestDispatcher dispatcher,
    DroppedRequests dropped,
    Admin.NatsServerLimits limits,
    ServiceReadiness readiness,
    ILoggerFactory loggerFactory,
    ILogger<StorageService> logger) : IHostedService, IAsyncDisposable
{
    public const string ServiceName = "storage";
    public const string ServiceVersion = "1.0.0";

    private NatsConnection? _connection;
    private INatsSvcServer? _service;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var nats = options.Value;
        await StartupRetry.RunAsync($"the {database.Provider} database", "Check Storage:Provider and its connection settings.",
            storageOptions.Value.ConnectRetrySeconds, logger, async ct => { await database.CheckAsync(ct).ConfigureAwait(false); return 0; }, cancellationToken).ConfigureAwait(false);
        var url = RedactedUrl(nats.Url);
        _connection = await StartupRetry.RunAsync($"NATS at {url}", "Check Nats:Url, Nats:User and Nats:Password.",
            nats.ConnectRetrySeconds, logger, ConnectAsync, cancellationToken).ConfigureAwait(false);
        if (_connection.ServerInfo is { MaxPayload: > 0 } info)
            limits.MaxPayload = info.MaxPayload;
        dropped.Attach(_connection);
        var context = new NatsSvcContext(_connection);
        _service = await context.AddServiceAsync(
            new NatsSvcConfig(ServiceName, ServiceVersion)
            {
                Description = "Isolated per-plugin storage: KV, rows, SQL and migrations.",
                QueueGroup = nats.QueueGroup,
                StatsHandler = endpoint => dispatcher.Statistics.ToJson(endpoint.Name),
            },
            cancellationToken).ConfigureAwait(false);
        foreach (var group in groups)
            await group.MapAsync(_service, dispatcher, cancellationToken).ConfigureAwait(false);
        // A round trip makes sure the server has registered every subscription before start completes.
        await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
        var connection = _connection;
        readiness.Started(_service.GetInfo().Endpoints.Count, () => connection.ConnectionState == NatsConnectionState.Open);
        LogStarted(logger, url, nats.User ?? "(none)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        readiness.Stopped();
        if (_service is not null)
            await _service.StopAsync(cancellationToken).ConfigureAwait(false);
        if (!await dispatcher.DrainAsync(TimeSpan.FromMilliseconds(options.Value.DrainTimeoutMs), cancellationToken).ConfigureAwait(false))
            LogDrainTimedOut(logger, options.Value.DrainTimeoutMs);
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

    private async Task<NatsConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var nats = options.Value;
        var natsOptions = NatsOpts.Default with
        {
            Url = nats.Url,
            Name = "plugin-storage",
            LoggerFactory = loggerFactory,
            AuthOpts = nats.User is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { Username = nats.User, Password = nats.Password },
            // After the first connection, reconnect forever: a restarted nats-server must not need a host restart.
            MaxReconnectRetry = -1,
            // Bounded and explicit: when an endpoint's buffer is full the client drops the newest
            // request and DroppedRequests answers it UNAVAILABLE.
            SubPendingChannelCapacity = nats.MaxPendingPerEndpoint,
            SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.DropNewest,
        };
        var connection = new NatsConnection(natsOptions);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // A URL may carry user:password; logs and error messages get it without the password.
    internal static string RedactedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { Password = uri.UserInfo.Contains(':', StringComparison.Ordinal) ? "***" : "" }.Uri.ToString().TrimEnd('/')
            : url;

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage service listening on {Url} as user {User}")]
    private static partial void LogStarted(ILogger logger, string url, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not flush the last replies before closing the NATS connection")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Requests still in flight after {DrainTimeoutMs} ms (Nats:DrainTimeoutMs) were canceled at shutdown")]
    private static partial void LogDrainTimedOut(ILogger logger, int drainTimeoutMs);
}
