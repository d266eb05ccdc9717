using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NATS.Client.Services;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>
/// The single place that decides what reaches the wire. It registers endpoints, runs their handlers
/// concurrently (the micro service delivers each endpoint's messages one at a time), applies
/// <c>request_id</c> idempotency to writes, maps every exception to the contract's error reply with
/// the micro error headers, and tracks in-flight requests so shutdown can drain them.
/// </summary>
internal sealed partial class RequestDispatcher
{
    private const int PluginTokenIndex = 2;
    private readonly SemaphoreSlim _slots;
    private readonly IdempotencyCache _idempotency;
    private readonly ILogger<RequestDispatcher> _logger;
    private readonly CountdownEvent _inFlight = new(1);
    private readonly CancellationTokenSource _stopping = new();

    public RequestDispatcher(IOptions<NatsOptions> options, IdempotencyCache idempotency, ILogger<RequestDispatcher> logger)
    {
        _slots = new SemaphoreSlim(options.Value.MaxConcurrency);
        _idempotency = idempotency;
        _logger = logger;
    }

    /// <summary>Adds an endpoint whose subject has the plugin as its third token (<c>db.kv.&lt;plugin&gt;.get</c>).</summary>
    public ValueTask AddEndpointAsync(INatsSvcServer service, string name, string subject, bool isWrite, RequestHandler handler, CancellationToken cancellationToken) =>
        service.AddEndpointAsync<ReadOnlyMemory<byte>>(
            msg => DispatchAsync(msg, isWrite, handler), name: name, subject: subject, cancellationToken: cancellationToken);

    /// <summary>Waits until every accepted request has been answered, or the token fires.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _inFlight.Signal();
        await Task.Run(() => _inFlight.Wait(cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask DispatchAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg, bool isWrite, RequestHandler handler)
    {
        await _slots.WaitAsync().ConfigureAwait(false);
        if (!_inFlight.TryAddCount())
        {
            _slots.Release();
            return; // Draining: leave the request unanswered so the caller retries elsewhere.
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await HandleAsync(msg, isWrite, handler).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
                _inFlight.Signal();
            }
        });
    }

    private async Task HandleAsync(NatsSvcMsg<ReadOnlyMemory<byte>> msg, bool isWrite, RequestHandler handler)
    {
        try
        {
            var plugin = PluginId.Parse(PluginToken(msg.Subject));
            var requestId = isWrite ? RequestIds.Find(msg.Data.Span) : null;
            var reply = requestId is null
                ? await handler(plugin, msg.Data, _stopping.Token).ConfigureAwait(false)
                : await _idempotency.GetOrRunAsync(msg.Subject, requestId, () => handler(plugin, msg.Data, _stopping.Token)).ConfigureAwait(false);
            await msg.ReplyAsync(reply).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = ToStorageException(ex, msg.Subject);
            try
            {
                await msg.ReplyErrorAsync(error.Code.StatusNumber(), error.Code.WireName(), ErrorReply.Serialize(error)).ConfigureAwait(false);
            }
            catch (Exception replyError)
            {
                LogReplyFailed(_logger, replyError, msg.Subject);
            }
        }
    }

    private StorageException ToStorageException(Exception ex, string subject)
    {
        if (ProviderErrors.Translate(ex) is { } storage)
        {
            if (storage.Code == StorageErrorCode.Internal)
                LogUnexpected(_logger, ex, subject);
            else
                LogRequestFailed(_logger, subject, storage.Code.WireName());
            return storage;
        }
        LogUnexpected(_logger, ex, subject);
        return new StorageException(StorageErrorCode.Internal, "An internal error occurred; it has been logged.");
    }

    private static string? PluginToken(string subject)
    {
        var tokens = subject.Split('.');
        return tokens.Length > PluginTokenIndex ? tokens[PluginTokenIndex] : null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure handling {Subject}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string subject);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request on {Subject} failed with {Code}")]
    private static partial void LogRequestFailed(ILogger logger, string subject, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the reply for {Subject}")]
    private static partial void LogReplyFailed(ILogger logger, Exception exception, string subject);
}
