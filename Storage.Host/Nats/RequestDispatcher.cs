using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Observability;

namespace Storage.Host.Nats;

/// <summary>
/// The single place that decides what reaches the wire. It registers endpoints, runs their handlers
/// concurrently (the micro service delivers each endpoint's messages one at a time), applies
/// <c>request_id</c> idempotency to writes, maps every exception to the contract's error reply with
/// the micro error headers, records metrics and one log line per failure, and tracks in-flight
/// requests so shutdown can drain them.
/// </summary>
internal sealed partial class RequestDispatcher
{
    /// <summary>Where tier subjects carry the plugin: the third token (<c>db.kv.&lt;plugin&gt;.get</c>).</summary>
    public const int DefaultPluginTokenIndex = 2;

    /// <summary>For endpoints whose subject names no plugin (<c>db.admin.plugins</c>): the handler gets <c>default</c>.</summary>
    public const int NoPlugin = -1;

    private const string NoPluginTag = "-";
    private readonly SemaphoreSlim _slots;
    private readonly IdempotencyCache _idempotency;
    private readonly ILogger<RequestDispatcher> _logger;
    private readonly StorageMetrics _metrics;
    private readonly CountdownEvent _inFlight = new(1);
    private readonly CancellationTokenSource _stopping = new();

    public RequestDispatcher(IOptions<NatsOptions> options, IdempotencyCache idempotency, StorageMetrics metrics, ILogger<RequestDispatcher> logger)
    {
        var capacity = options.Value.MaxConcurrency;
        _slots = new SemaphoreSlim(capacity);
        _idempotency = idempotency;
        _metrics = metrics;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("storage.dispatcher.busy", () => capacity - _slots.CurrentCount, "{request}",
            "Requests being processed now, out of Nats:MaxConcurrency.");
    }

    /// <summary>
    /// Per-endpoint totals measured around the real work. The micro service's own processing time
    /// only covers the hand-off to a background task, so <c>$SRV.STATS</c> carries these as <c>data</c>.
    /// </summary>
    public EndpointStatistics Statistics { get; } = new();

    /// <summary>Adds an endpoint whose subject has the plugin as its third token (<c>db.kv.&lt;plugin&gt;.get</c>).</summary>
    public ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, RequestHandler handler, CancellationToken cancellationToken) =>
        AddEndpointAsync(service, name, subject, isWrite, DefaultPluginTokenIndex, handler, RequestExecution.Background, cancellationToken);

    /// <summary>
    /// Adds an endpoint; <see cref="RequestExecution.Inline"/> starts each request on the endpoint's
    /// own delivery loop, for handlers whose synchronous part is a few microseconds (KV): it saves a
    /// thread-pool hand-off per request, while anything that awaits I/O still runs concurrently.
    /// </summary>
    public ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, RequestHandler handler, RequestExecution execution, CancellationToken cancellationToken) =>
        AddEndpointAsync(service, name, subject, isWrite, DefaultPluginTokenIndex, handler, execution, cancellationToken);

    /// <summary>
    /// Adds an endpoint whose subject has the plugin at <paramref name="pluginTokenIndex"/> (0-based;
    /// <c>db.admin.storage.&lt;plugin&gt;</c> is 3), or <see cref="NoPlugin"/> when it names none.
    /// </summary>
    public ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, int pluginTokenIndex, RequestHandler handler, CancellationToken cancellationToken) =>
        AddEndpointAsync(service, name, subject, isWrite, pluginTokenIndex, handler, RequestExecution.Background, cancellationToken);

    private ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, int pluginTokenIndex, RequestHandler handler,
        RequestExecution execution, CancellationToken cancellationToken)
    {
        var endpoint = new Endpoint(name, isWrite, pluginTokenIndex, handler, execution);
        return service.AddEndpointAsync<ReadOnlyMemory<byte>>(
            msg => DispatchAsync(msg, endpoint, Stopwatch.GetTimestamp()), name: name, subject: subject, cancellationToken: cancellationToken);
    }

    /// <summary>Waits until every accepted request has been answered, or the token fires.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _inFlight.Signal();
        await Task.Run(() => _inFlight.Wait(cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask DispatchAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg, Endpoint endpoint, long started)
    {
        await _slots.WaitAsync().ConfigureAwait(false);
        if (!_inFlight.TryAddCount())
        {
            _slots.Release();
            // Shutting down: refuse without applying, so the caller retries (another instance, or later).
            await ReplyShuttingDownAsync(msg).ConfigureAwait(false);
            return;
        }
        _ = endpoint.Execution == RequestExecution.Inline
            ? RunAsync(msg, endpoint, started)
            : Task.Run(() => RunAsync(msg, endpoint, started));
    }

    private async Task ReplyShuttingDownAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg)
    {
        var error = new StorageException(StorageErrorCode.Unavailable, "The service is shutting down and did not apply the request; retry it.");
        try
        {
            await msg.ReplyErrorAsync(error.Code.StatusNumber(), error.Code.WireName(), ErrorReply.Serialize(error)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReplyFailed(_logger, ex, msg.Subject);
        }
    }

    private async Task RunAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg, Endpoint endpoint, long started)
    {
        try
        {
            await HandleAsync(msg, endpoint, started).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
            _inFlight.Signal();
        }
    }

    private async Task HandleAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg, Endpoint endpoint, long started)
    {
        var token = PluginToken(msg.Subject, endpoint.PluginTokenIndex);
        var hasPlugin = endpoint.PluginTokenIndex != NoPlugin;
        var valid = PluginId.TryParse(token, out var plugin);
        var pluginTag = !hasPlugin ? NoPluginTag : valid ? plugin.Value : StorageMetrics.InvalidPlugin;
        string? errorCode = null;
        try
        {
            if (hasPlugin && !valid)
                PluginId.Parse(token); // Raises the contract's INVALID_REQUEST for the token.
            var requestId = endpoint.IsWrite ? RequestIds.Find(msg.Data.Span) : null;
            var reply = requestId is null
                ? await endpoint.Handler(plugin, msg.Data, _stopping.Token).ConfigureAwait(false)
                : await _idempotency.GetOrRunAsync(msg.Subject, requestId, () => endpoint.Handler(plugin, msg.Data, _stopping.Token)).ConfigureAwait(false);
            await msg.ReplyAsync(reply).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = ToStorageException(ex, msg.Subject, pluginTag);
            errorCode = error.Code.WireName();
            try
            {
                await msg.ReplyErrorAsync(error.Code.StatusNumber(), errorCode, ErrorReply.Serialize(error)).ConfigureAwait(false);
            }
            catch (Exception replyError)
            {
                LogReplyFailed(_logger, replyError, msg.Subject);
            }
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            _metrics.Record(endpoint.Tier, endpoint.Operation, pluginTag, errorCode, elapsed);
            Statistics.Record(endpoint.Name, errorCode is not null, elapsed);
        }
    }

    // Logs the code, plugin and subject only: messages and details may quote a plugin's values.
    private StorageException ToStorageException(Exception ex, string subject, string plugin)
    {
        if (ProviderErrors.Translate(ex) is { } storage)
        {
            switch (storage.Code)
            {
                case StorageErrorCode.Internal:
                    LogUnexpected(_logger, ex, plugin, subject);
                    break;
                case StorageErrorCode.Unavailable or StorageErrorCode.Timeout:
                    LogRequestDegraded(_logger, plugin, subject, storage.Code.WireName());
                    break;
                default:
                    LogRequestFailed(_logger, plugin, subject, storage.Code.WireName());
                    break;
            }
            return storage;
        }
        LogUnexpected(_logger, ex, plugin, subject);
        return new StorageException(StorageErrorCode.Internal, "An internal error occurred; it has been logged.");
    }

    private static string? PluginToken(string subject, int index)
    {
        if (index < 0)
            return null;
        // Walks the dots instead of splitting: this runs for every request.
        var start = 0;
        for (var i = 0; i < index; i++)
        {
            start = subject.IndexOf('.', start) + 1;
            if (start == 0)
                return null;
        }
        var end = subject.IndexOf('.', start);
        return end < 0 ? subject[start..] : subject[start..end];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure for plugin {Plugin} on {Subject}; answered INTERNAL")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string plugin, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request failed for plugin {Plugin} on {Subject} with {Code}")]
    private static partial void LogRequestFailed(ILogger logger, string plugin, string subject, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request failed for plugin {Plugin} on {Subject} with {Code}")]
    private static partial void LogRequestDegraded(ILogger logger, string plugin, string subject, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the reply for {Subject}")]
    private static partial void LogReplyFailed(ILogger logger, Exception exception, string subject);

    private sealed record Endpoint(string Name, bool IsWrite, int PluginTokenIndex, RequestHandler Handler, RequestExecution Execution)
    {
        // Endpoint names are "<tier>-<operation>" ("kv-set"); a single word is both.
        public string Tier { get; } = Name.Split('-', 2)[0];

        public string Operation { get; } = Name.Split('-', 2)[^1];
    }
}
