using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using Storage.Core;
using Storage.Host.Observability;

namespace Storage.Host.Nats;

/// <summary>
/// The NATS client buffers each endpoint's requests in a bounded channel
/// (<see cref="NatsOptions.MaxPendingPerEndpoint"/>) and drops the newest when it is full. This
/// answers each dropped request UNAVAILABLE (not applied, retry, possibly on another instance)
/// instead of leaving its caller to time out, and counts it in <c>storage.requests.shed</c>.
/// </summary>
internal sealed class DroppedRequests
{
    private readonly Counter<long> _shed;
    private readonly int _capacity;
    private readonly int _retryAfterMs;

    public DroppedRequests(StorageMetrics metrics, IOptions<NatsOptions> options)
    {
        _shed = metrics.Meter.CreateCounter<long>("storage.requests.shed", "{request}",
            "Requests the host could not take (the endpoint's pending buffer was full), answered UNAVAILABLE.");
        _capacity = options.Value.MaxPendingPerEndpoint;
        _retryAfterMs = options.Value.QueueWaitMs;
    }

    /// <summary>Starts answering <paramref name="connection"/>'s dropped requests.</summary>
    public void Attach(NatsConnection connection) =>
        connection.MessageDropped += (_, e) => AnswerAsync(connection, e);

    private async ValueTask AnswerAsync(NatsConnection connection, NatsMessageDroppedEventArgs dropped)
    {
        _shed.Add(1);
        if (string.IsNullOrEmpty(dropped.ReplyTo))
            return;
        var error = new StorageException(StorageErrorCode.Unavailable,
            $"The service is overloaded: {_capacity} requests were already pending on this endpoint (Nats:MaxPendingPerEndpoint); the request was not applied; retry in {_retryAfterMs} ms, possibly on another instance.",
            new Dictionary<string, object?> { ["retry_after_ms"] = _retryAfterMs, ["limit"] = _capacity });
        var headers = new NatsHeaders
        {
            ["Nats-Service-Error-Code"] = error.Code.StatusNumber().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Nats-Service-Error"] = error.Code.WireName(),
        };
        try
        {
            await connection.PublishAsync(dropped.ReplyTo, ErrorReply.Serialize(error), headers).ConfigureAwait(false);
        }
        catch (NatsException)
        {
            // The connection is going away; the caller's own timeout covers this rare case.
        }
    }
}
