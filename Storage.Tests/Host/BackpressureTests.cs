using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary><c>Nats:MaxPendingPerEndpoint</c>: a request the client library drops for a full buffer is answered UNAVAILABLE, never lost.</summary>
[TestClass]
public sealed class BackpressureTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_burst_beyond_the_pending_buffer_is_answered_unavailable_and_no_request_goes_unanswered(string backend)
    {
        const int burst = 3000;
        await using var host = await DedicatedHost.StartAsync(backend, ["--Nats:MaxPendingPerEndpoint=1"]);
        var subject = $"db.kv.{TestPlugins.New()}.get";
        var inbox = $"_INBOX.burst-{Guid.NewGuid():N}";
        var replies = new ConcurrentDictionary<string, string?>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await host.Client.SubscribeCoreAsync<byte[]>($"{inbox}.>", opts: new NatsSubOpts { ChannelOpts = new NatsSubChannelOpts { Capacity = burst * 2 } });
        var reader = Task.Run(async () =>
        {
            await foreach (var msg in sub.Msgs.ReadAllAsync())
            {
                using var body = JsonDocument.Parse(msg.Data ?? []);
                replies[msg.Subject] = body.RootElement.TryGetProperty("error", out var error)
                    ? $"{error.GetProperty("code").GetString()}: {error.GetProperty("message").GetString()}"
                    : null;
                if (replies.Count == burst)
                    all.TrySetResult();
            }
        });
        await host.Client.PingAsync();
        var request = Encoding.UTF8.GetBytes("""{"key":"k"}""");
        for (var i = 0; i < burst; i++)
            await host.Client.PublishAsync(subject, request, replyTo: $"{inbox}.{i}");
        await all.Task.WaitAsync(TimeSpan.FromSeconds(120));

        var codes = replies.Values.GroupBy(c => c?.Split(':')[0] ?? "ok").ToDictionary(g => g.Key, g => g.Count());
        var summary = string.Join(", ", codes.Select(c => $"{c.Key}={c.Value}"));
        Assert.AreEqual(burst, replies.Count, summary);
        Assert.IsTrue(codes.Keys.All(c => c is "ok" or "UNAVAILABLE"), summary);
        Assert.IsTrue(replies.Values.Any(m => m?.Contains("Nats:MaxPendingPerEndpoint", StringComparison.Ordinal) == true),
            $"a one-message buffer never overflowed: {summary}");
    }
}
