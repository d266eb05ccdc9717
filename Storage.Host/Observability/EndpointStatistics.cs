using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Storage.Host.Observability;

/// <summary>
/// Requests, errors and processing time per endpoint, measured around the handler's real work
/// (which runs on a background task). Served as the <c>data</c> of <c>$SRV.STATS</c>.
/// </summary>
internal sealed class EndpointStatistics
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Record(string endpoint, bool failed, TimeSpan elapsed)
    {
        var entry = _entries.GetOrAdd(endpoint, _ => new Entry());
        Interlocked.Increment(ref entry.Requests);
        if (failed)
            Interlocked.Increment(ref entry.Errors);
        Interlocked.Add(ref entry.ProcessingNanos, elapsed.Ticks * 100);
    }

    /// <summary>Totals of one endpoint (zeros when it has not served yet).</summary>
    public (long Requests, long Errors, long ProcessingNanos) Get(string endpoint) =>
        _entries.TryGetValue(endpoint, out var e)
            ? (Volatile.Read(ref e.Requests), Volatile.Read(ref e.Errors), Volatile.Read(ref e.ProcessingNanos))
            : (0, 0, 0);

    /// <summary>The JSON for one endpoint's <c>data</c>, names as in the micro stats schema.</summary>
    public JsonObject ToJson(string endpoint)
    {
        var (requests, errors, nanos) = Get(endpoint);
        return new JsonObject
        {
            ["num_requests"] = requests,
            ["num_errors"] = errors,
            ["processing_time"] = nanos,
            ["average_processing_time"] = requests == 0 ? 0 : nanos / requests,
        };
    }

    private sealed class Entry
    {
        public long Requests;
        public long Errors;
        public long ProcessingNanos;
    }
}
