using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Storage.Host.Observability;

/// <summary>
/// Requests, errors and processing time per endpoint and operation, measured around the handler's
/// real work (which runs on a background task). Served as the <c>data</c> of <c>$SRV.STATS</c>:
/// the endpoint's totals, and per operation under <c>operations</c>, since a tier is one endpoint.
/// Operation names come from the endpoint table (unknown ones count as one name), so this is bounded.
/// </summary>
internal sealed class EndpointStatistics
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Entry>> _endpoints = new(StringComparer.Ordinal);

    public void Record(string endpoint, string operation, bool failed, TimeSpan elapsed)
    {
        var entry = _endpoints.GetOrAdd(endpoint, _ => new(StringComparer.Ordinal)).GetOrAdd(operation, _ => new Entry());
        Interlocked.Increment(ref entry.Requests);
        if (failed)
            Interlocked.Increment(ref entry.Errors);
        Interlocked.Add(ref entry.ProcessingNanos, elapsed.Ticks * 100);
    }

    /// <summary>Totals of one endpoint, or of one of its operations (zeros when it has not served yet).</summary>
    public (long Requests, long Errors, long ProcessingNanos) Get(string endpoint, string? operation = null)
    {
        if (!_endpoints.TryGetValue(endpoint, out var operations))
            return (0, 0, 0);
        var (requests, errors, nanos) = (0L, 0L, 0L);
        foreach (var (name, e) in operations)
        {
            if (operation is not null && name != operation)
                continue;
            requests += Volatile.Read(ref e.Requests);
            errors += Volatile.Read(ref e.Errors);
            nanos += Volatile.Read(ref e.ProcessingNanos);
        }
        return (requests, errors, nanos);
    }

    /// <summary>The JSON for one endpoint's <c>data</c>, names as in the micro stats schema.</summary>
    public JsonObject ToJson(string endpoint)
    {
        var json = Figures(Get(endpoint));
        var operations = new JsonObject();
        if (_endpoints.TryGetValue(endpoint, out var entries))
        {
            foreach (var name in entries.Keys.Order(StringComparer.Ordinal))
                operations[name] = Figures(Get(endpoint, name));
        }
        json["operations"] = operations;
        return json;
    }

    private static JsonObject Figures((long Requests, long Errors, long ProcessingNanos) totals) => new()
    {
        ["num_requests"] = totals.Requests,
        ["num_errors"] = totals.Errors,
        ["processing_time"] = totals.ProcessingNanos,
        ["average_processing_time"] = totals.Requests == 0 ? 0 : totals.ProcessingNanos / totals.Requests,
    };

    private sealed class Entry
    {
        public long Requests;
        public long Errors;
        public long ProcessingNanos;
    }
}
