using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using Storage.Host;
using Storage.Kv;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>Starting and stopping a dedicated host: reachable as soon as it has started; stopped mid-burst, nothing is half done.</summary>
[TestClass]
public sealed class HostLifecycleTests
{
    private const int Sets = 200;
    private const int Incrs = 100;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_started_host_answers_the_very_first_request(string backend)
    {
        using var server = await NatsServer.StartAsync();
        using var host = StorageHostBuilder.Create(TestHosts.Arguments(backend, server.Url)).Build();
        await using var client = new NatsConnection(NatsOpts.Default with { Url = server.Url });
        await client.ConnectAsync();
        await host.StartAsync();
        try
        {
            // Before the fix, StartAsync returned before nats-server had registered the endpoints: "no responders".
            var reply = await client.RequestAsync<byte[], byte[]>($"db.kv.{TestPlugins.New()}.get", Encoding.UTF8.GetBytes("""{"key":"k"}"""));
            Assert.AreEqual("""{"exists":false}""", Encoding.UTF8.GetString(reply.Data!));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Stopping_under_load_answers_or_cleanly_drops_every_request(string backend)
    {
        using var server = await NatsServer.StartAsync();
        using var host = StorageHostBuilder.Create([.. TestHosts.Arguments(backend, server.Url), "--Nats:MaxQueuedPerPlugin=10000", "--Nats:MaxQueued=10000", "--Nats:QueueWaitMs=20000"]).Build(); // One plugin floods on purpose: no fair-share refusals here, even when a loaded machine keeps a request queued past the default 1 s.
        await host.StartAsync();
        // Long enough that an accepted request is always answered within the drain, even on a loaded machine.
        await using var client = new NatsConnection(NatsOpts.Default with { Url = server.Url, RequestTimeout = TimeSpan.FromSeconds(20) });
        await client.ConnectAsync();
        var plugin = TestPlugins.New();

        var firstReply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<JsonElement?> SendAsync(string op, string body)
        {
            try
            {
                var msg = await client.RequestAsync<byte[], byte[]>($"db.kv.{plugin}.{op}", Encoding.UTF8.GetBytes(body));
                firstReply.TrySetResult();
                var reply = JsonDocument.Parse(msg.Data!).RootElement.Clone();
                // Refused while shutting down: not applied, cleanly unanswered as far as data goes.
                return reply.TryGetProperty("error", out var error) && error.GetProperty("code").GetString() == "UNAVAILABLE" ? null : reply;
            }
            catch (NatsException)
            {
                // No responders (service gone) or no reply in time (not accepted while draining): cleanly unanswered.
                return null;
            }
        }

        var sets = Enumerable.Range(0, Sets).Select(i => SendAsync("set", $$"""{"key":"k{{i:D3}}","value":{{Value(i)}}}""")).ToArray();
        var incrs = Enumerable.Range(0, Incrs).Select(_ => SendAsync("incr", """{"key":"counter"}""")).ToArray();
        await firstReply.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await host.StopAsync();
        var setReplies = await Task.WhenAll(sets);
        var incrReplies = await Task.WhenAll(incrs);

        Assert.IsTrue(setReplies.Concat(incrReplies).All(r => r is null || !r.Value.TryGetProperty("error", out _)),
            "no request is answered with an error: " + string.Join(", ", setReplies.Concat(incrReplies).Where(r => r is not null).Select(r => r!.Value.GetRawText()).Distinct()));
        var store = TestBackends.Get<IKvStore>(backend);
        for (var i = 0; i < Sets; i++)
        {
            var got = await store.GetAsync(plugin, new KvGetRequest($"k{i:D3}"), CancellationToken.None);
            if (setReplies[i] is { } reply)
            {
                Assert.IsTrue(got.Exists, $"k{i:D3} was acknowledged");
                Assert.AreEqual(reply.GetProperty("revision").GetInt64(), got.Revision);
            }
            if (got.Exists)
                Assert.AreEqual(Value(i), got.Value!.Value.GetRawText());
        }
        var answeredIncrs = incrReplies.Count(r => r is not null);
        var counter = await store.GetAsync(plugin, new KvGetRequest("counter"), CancellationToken.None);
        var applied = counter.Exists ? counter.Value!.Value.GetInt64() : 0;
        Assert.IsTrue(applied >= answeredIncrs && applied <= Incrs, $"{answeredIncrs} incr answered, counter at {applied}");
        if (answeredIncrs > 0)
            Assert.AreEqual(applied, incrReplies.Where(r => r is not null).Max(r => r!.Value.GetProperty("value").GetInt64()));

        var afterStop = await SendAsync("get", """{"key":"k000"}""");
        Assert.IsNull(afterStop, "a stopped host takes no more requests");
    }

    private static string Value(int i) => $$"""{"i":{{i}},"pad":"{{new string('p', 200)}}"}""";
}
