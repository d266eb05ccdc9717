using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Storage.Core;
using Storage.Host.Observability;

namespace Storage.Host.Nats;

internal sealed partial class RequestDispatcher
{
    private async Task ProcessAsync(Request request, RequestAdmission.Admission? admission, StorageException? refused)
    {
        var (msg, endpoint) = (request.Msg, request.Endpoint);
        string? errorCode = null;
        try
        {
            if (refused is not null)
                throw refused;
            if (!admission!.Granted)
            {
                await admission.WaitAsync(request.Token).ConfigureAwait(false);
                // Off whichever thread released the slot (possibly a delivery loop) before real work starts.
                await Task.Yield();
            }
            var requestId = RequestIds.Find(msg.Data.Span);
            var reply = requestId is null || !endpoint.IsWrite
                ? await endpoint.Handler(request.Plugin, msg.Data, request.Token).ConfigureAwait(false)
                : await _idempotency.GetOrRunAsync(request.Key, msg.Subject, requestId, msg.Data,
                    () => endpoint.Handler(request.Plugin, msg.Data, request.Token)).ConfigureAwait(false);
            RequireFits(reply);
            if (request.HasReplySubject)
                await msg.ReplyAsync(reply).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = JsonSyntax.WithLocation(ToStorageException(ex, request), msg.Data.Span);
            errorCode = error.Code.WireName();
            if (request.HasReplySubject)
            {
                try
                {
                    await msg.ReplyErrorAsync(error.Code.StatusNumber(), errorCode, ErrorReply.Serialize(error, MaxReplyBytes)).ConfigureAwait(false);
                }
                catch (Exception replyError)
                {
                    LogReplyFailed(_logger, replyError, msg.Subject);
                }
            }
        }
        finally
        {
            admission?.Dispose();
            request.Dispose();
            var elapsed = Stopwatch.GetElapsedTime(request.Started);
            _metrics.Record(endpoint.Tier, endpoint.Operation, request.Key, errorCode, elapsed);
            Statistics.Record(endpoint.ServiceEndpoint, endpoint.Operation, errorCode is not null, elapsed);
            if (!request.HasReplySubject)
                _unanswered.Record(endpoint.Tier, endpoint.Operation, request.Key, msg.Subject, errorCode);
            _inFlight.Signal();
        }
    }

    private void RequireFits(byte[] reply)
    {
        var limit = MaxReplyBytes;
        if (reply.Length > limit)
            throw new StorageException(StorageErrorCode.TooLarge,
                $"The reply is {reply.Length} bytes; the NATS server accepts at most {limit} bytes per reply (its max_payload of {_limits.MaxPayload} less room for headers). Ask for less (limit, fields, max_rows).",
                new Dictionary<string, object?> { ["limit_bytes"] = limit, ["actual_bytes"] = reply.Length, ["max_payload"] = _limits.MaxPayload });
    }

    // Logs the code, plugin and subject only: messages and details may quote a plugin's values.
    private StorageException ToStorageException(Exception ex, Request request)
    {
        var (subject, plugin) = (request.Msg.Subject, request.Key);
        var translated = ProviderErrors.Translate(ex);
        if (request.Token.IsCancellationRequested && (ex is OperationCanceledException || translated is null
            || translated.Code is StorageErrorCode.Timeout or StorageErrorCode.Unavailable or StorageErrorCode.Internal))
        {
            var stopping = _stopping.IsCancellationRequested;
            LogRequestDegraded(_logger, plugin, subject, stopping ? "UNAVAILABLE" : "TIMEOUT");
            return stopping
                ? new StorageException(StorageErrorCode.Unavailable,
                    "The service shut down before the request finished and canceled it; a write not yet committed was not applied. Retry it.",
                    new Dictionary<string, object?> { ["retry_after_ms"] = _options.QueueWaitMs })
                : new StorageException(StorageErrorCode.Timeout,
                    $"The request did not finish within its deadline of {_options.RequestTimeoutMs} ms (Nats:RequestTimeoutMs) and was canceled.",
                    new Dictionary<string, object?> { ["limit_ms"] = _options.RequestTimeoutMs });
        }
        if (translated is not null)
        {
            switch (translated.Code)
            {
                case StorageErrorCode.Internal:
                    LogUnexpected(_logger, ex, plugin, subject);
                    break;
                case StorageErrorCode.Unavailable or StorageErrorCode.Timeout:
                    LogRequestDegraded(_logger, plugin, subject, translated.Code.WireName());
                    break;
                default:
                    LogRequestFailed(_logger, plugin, subject, translated.Code.WireName());
                    break;
            }
            return translated;
        }
        LogUnexpected(_logger, ex, plugin, subject);
        return new StorageException(StorageErrorCode.Internal, "An internal error occurred; it has been logged.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure for plugin {Plugin} on {Subject}; answered INTERNAL")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string plugin, string subject);

    [LoggerMessage(Level = LogLevel.Information, Message = "Request failed for plugin {Plugin} on {Subject} with {Code}")]
    private static partial void LogRequestFailed(ILogger logger, string plugin, string subject, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request failed for plugin {Plugin} on {Subject} with {Code}")]
    private static partial void LogRequestDegraded(ILogger logger, string plugin, string subject, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the reply for {Subject}")]
    private static partial void LogReplyFailed(ILogger logger, Exception exception, string subject);

    /// <summary>
    /// What a request is dispatched to. <paramref name="Name"/> is <c>&lt;tier&gt;-&lt;operation&gt;</c>;
    /// <paramref name="ServiceEndpoint"/> the micro endpoint it arrives on (a tier's one endpoint, or the
    /// name itself); <paramref name="ValidOperations"/> is set only on a tier's unknown-operation endpoint.
    /// </summary>
    internal sealed record Endpoint(string Name, string ServiceEndpoint, bool IsWrite, int PluginTokenIndex, RequestHandler Handler,
        RequestExecution Execution, IReadOnlyList<string>? ValidOperations = null)
    {
        // Endpoint names are "<tier>-<operation>" ("kv-set"); a single word is both.
        public string Tier { get; } = Name.Split('-', 2)[0];

        public string Operation { get; } = Name.Split('-', 2)[^1];
    }
}
