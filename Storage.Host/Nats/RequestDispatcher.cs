using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Admin;
using Storage.Host.Observability;

namespace Storage.Host.Nats;

/// <summary>
/// The single place that decides what reaches the wire. It registers endpoints and, per request:
/// checks the plugin token and UTF-8, applies the tier's rate limit, takes a fair-share slot
/// (<see cref="RequestAdmission"/>) without ever blocking the endpoint's delivery loop, runs the
/// handler under the request's deadline, applies <c>request_id</c> idempotency, keeps every reply
/// within the NATS server's <c>max_payload</c>, maps every exception to the contract's error reply
/// with the micro error headers, records metrics, and tracks in-flight requests so shutdown can drain them.
/// </summary>
internal sealed partial class RequestDispatcher : IDisposable
{
    /// <summary>Where tier subjects carry the plugin: the third token (<c>db.kv.&lt;plugin&gt;.get</c>).</summary>
    public const int DefaultPluginTokenIndex = 2;

    /// <summary>For endpoints whose subject names no plugin (<c>db.admin.plugins</c>): the handler gets <c>default</c>.</summary>
    public const int NoPlugin = -1;

    /// <summary>Bytes kept free under <c>max_payload</c> for the reply's headers.</summary>
    public const int HeaderHeadroomBytes = 512;

    private readonly NatsOptions _options;
    private readonly RequestAdmission _admission;
    private readonly TierRateLimiter _rateLimits;
    private readonly IdempotencyCache _idempotency;
    private readonly NatsServerLimits _limits;
    private readonly UnansweredRequests _unanswered;
    private readonly ILogger<RequestDispatcher> _logger;
    private readonly StorageMetrics _metrics;
    private readonly CountdownEvent _inFlight = new(1);
    private readonly CancellationTokenSource _stopping = new();
    private int _draining;

    public RequestDispatcher(IOptions<NatsOptions> options, RequestAdmission admission, TierRateLimiter rateLimits, IdempotencyCache idempotency,
        NatsServerLimits limits, UnansweredRequests unanswered, StorageMetrics metrics, ILogger<RequestDispatcher> logger)
    {
        _options = options.Value;
        _admission = admission;
        _rateLimits = rateLimits;
        _idempotency = idempotency;
        _limits = limits;
        _unanswered = unanswered;
        _metrics = metrics;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("storage.dispatcher.busy", () => admission.Busy, "{request}",
            "Requests being processed now, out of Nats:MaxConcurrency.");
        metrics.Meter.CreateObservableGauge("storage.dispatcher.queued", () => admission.Waiting, "{request}",
            "Requests waiting for a processing slot now, out of Nats:MaxQueued.");
    }

    /// <summary>
    /// Per-endpoint totals measured around the real work. The micro service's own processing time
    /// only covers the hand-off to a background task, so <c>$SRV.STATS</c> carries these as <c>data</c>.
    /// </summary>
    public EndpointStatistics Statistics { get; } = new();

    /// <summary>The largest reply body the connected NATS server accepts (its <c>max_payload</c> less header room).</summary>
    public long MaxReplyBytes => Math.Max(1024, _limits.MaxPayload - HeaderHeadroomBytes);

    /// <summary>
    /// Adds a single-operation endpoint whose subject has the plugin as its third token
    /// (<c>db.migrate.&lt;plugin&gt;</c>); a tier's operations go through <see cref="AddTierAsync"/>.
    /// </summary>
    public ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, RequestHandler handler, CancellationToken cancellationToken) =>
        AddEndpointAsync(service, name, subject, isWrite, DefaultPluginTokenIndex, handler, RequestExecution.Background, cancellationToken);

    /// <summary>
    /// Adds an endpoint whose subject has the plugin at <paramref name="pluginTokenIndex"/> (0-based;
    /// <c>db.admin.storage.&lt;plugin&gt;</c> is 3), or <see cref="NoPlugin"/> when it names none.
    /// </summary>
    public ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, int pluginTokenIndex, RequestHandler handler, CancellationToken cancellationToken) =>
        AddEndpointAsync(service, name, subject, isWrite, pluginTokenIndex, handler, RequestExecution.Background, cancellationToken);

    private ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, int pluginTokenIndex, RequestHandler handler,
        RequestExecution execution, CancellationToken cancellationToken)
    {
        var endpoint = new Endpoint(name, name, isWrite, pluginTokenIndex, handler, execution);
        return service.AddEndpointAsync<ReadOnlyMemory<byte>>(
            msg => DispatchAsync(msg, endpoint, Stopwatch.GetTimestamp()), name: name, subject: subject, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Waits until every accepted request has been answered, at most <paramref name="drainTime"/>;
    /// then cancels what is left (their handlers' tokens fire, they answer UNAVAILABLE) and waits
    /// for those answers until <paramref name="cancellationToken"/> fires. Returns whether all finished in time.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan drainTime, CancellationToken cancellationToken)
    {
        // A host stopped twice drains once; the initial count is released exactly one time.
        if (Interlocked.Exchange(ref _draining, 1) == 0)
            _inFlight.Signal();
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(drainTime);
        if (await WaitAsync(drain.Token).ConfigureAwait(false))
            return true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await WaitAsync(cancellationToken).ConfigureAwait(false);
        return false;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _inFlight.Dispose();
    }

    private async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(() => _inFlight.Wait(cancellationToken), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Runs on the endpoint's delivery loop: only cheap checks here, and nothing that waits, so one
    // plugin's queued requests never hold up another's. Refusals are answered from here, which
    // slows the loop (and fills its bounded pending buffer) only when the host is refusing anyway.
    private ValueTask DispatchAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg, Endpoint endpoint, long started)
    {
        if (!_inFlight.TryAddCount())
            return new ValueTask(ReplyShuttingDownAsync(msg));
        var request = new Request(msg, endpoint, started, _options.RequestTimeoutMs, _stopping.Token);
        RequestAdmission.Admission admission;
        try
        {
            request.Check();
            _rateLimits.Acquire(endpoint.Tier, request.Key);
            if (endpoint.ValidOperations is { } valid)
                throw TierRoutes.UnknownOperationError(endpoint.Tier, msg.Subject, valid);
            admission = _admission.Enter(request.Key);
        }
        catch (StorageException refused)
        {
            return new ValueTask(ProcessAsync(request, null, refused));
        }
        if (admission.Granted && endpoint.Execution == RequestExecution.Inline)
            _ = ProcessAsync(request, admission, null);
        else
            _ = Task.Run(() => ProcessAsync(request, admission, null));
        return default;
    }

    private async Task ReplyShuttingDownAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg)
    {
        if (string.IsNullOrEmpty(msg.ReplyTo))
            return;
        var error = new StorageException(StorageErrorCode.Unavailable, "The service is shutting down and did not apply the request; retry it.",
            new Dictionary<string, object?> { ["retry_after_ms"] = _options.QueueWaitMs });
        try
        {
            await msg.ReplyErrorAsync(error.Code.StatusNumber(), error.Code.WireName(), ErrorReply.Serialize(error)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReplyFailed(_logger, ex, msg.Subject);
        }
    }
}
