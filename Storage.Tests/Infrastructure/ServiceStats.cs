using System.Text.Json;
using NATS.Client.Core;

namespace Storage.Tests.Infrastructure;

/// <summary>Reads <c>$SRV.STATS.storage</c> from every host on a server.</summary>
internal static class ServiceStats
{
    /// <summary>
    /// Each host's stats of <paramref name="endpoint"/> (its <c>data.operations</c> figures are
    /// recorded just after the reply is sent), asked until <paramref name="until"/> holds for the
    /// list or a generous deadline passes; then the last answer is returned for the caller to assert.
    /// </summary>
    public static async Task<IReadOnlyList<JsonElement>> EndpointAsync(NatsConnection client, string endpoint, int hosts, Func<IReadOnlyList<JsonElement>, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = new List<JsonElement>();
            await foreach (var reply in client.RequestManyAsync<byte[], byte[]>("$SRV.STATS.storage", [],
                replyOpts: new NatsSubOpts { MaxMsgs = hosts, Timeout = TimeSpan.FromSeconds(10) }))
            {
                found.Add(JsonDocument.Parse(reply.Data!).RootElement.GetProperty("endpoints").EnumerateArray()
                    .Single(e => e.GetProperty("name").GetString() == endpoint).Clone());
            }
            if ((found.Count == hosts && until(found)) || DateTime.UtcNow > deadline)
                return found;
            await Task.Delay(50);
        }
    }

    /// <summary>Requests one operation counted in one host's endpoint stats (0 when it has none yet).</summary>
    public static long OperationRequests(JsonElement endpoint, string operation) =>
        endpoint.GetProperty("data").GetProperty("operations").TryGetProperty(operation, out var figures)
            ? figures.GetProperty("num_requests").GetInt64()
            : 0;
}
