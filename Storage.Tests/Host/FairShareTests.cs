using Storage.Host.Nats;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// <c>Nats:MaxConcurrencyPerPlugin</c>: one plugin flooding slow requests holds at most its share
/// of the slots; its excess is refused RATE_LIMITED with a retry hint while other plugins carry on.
/// </summary>
[TestClass]
public sealed class FairShareTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_flooding_slow_queries_leaves_slots_for_another_plugin_and_its_excess_is_rate_limited(string backend)
    {
        // Four slots, two per plugin, one waiting place per plugin: the flood's fifth request onwards is refused.
        await using var host = await DedicatedHost.StartAsync(backend,
        [
            "--Nats:MaxConcurrency=4", "--Nats:MaxConcurrencyPerPlugin=2", "--Nats:MaxQueuedPerPlugin=1",
            "--Nats:QueueWaitMs=300", "--Nats:RequestTimeoutMs=10000",
        ]);
        var flooder = TestPlugins.New("flood");
        var flood = Enumerable.Range(0, 6)
            .Select(_ => host.RequestAsync($"db.sql.{flooder}.query", SlowRequests.Query, TimeSpan.FromSeconds(90)))
            .ToList();
        // Four of six are refused (one after waiting its 300 ms); two hold the plugin's share and keep running.
        await SlowRequests.UntilAsync(() => flood.Count(t => t.IsCompleted) >= 4, "four of the flood's requests are answered");
        var refused = flood.Where(t => t.IsCompleted).Select(t => t.Result).ToList();
        Assert.IsTrue(refused.All(r => r.ErrorCode == "RATE_LIMITED"), "Refused: " + string.Join("\n", refused.Select(r => r.Body.ToString())));
        Assert.IsTrue(refused.All(r => r.Body.GetProperty("error").GetProperty("details").GetProperty("retry_after_ms").GetInt64() > 0));
        StringAssert.Contains(refused[0].ErrorMessage, "Nats:MaxConcurrencyPerPlugin");
        Assert.AreEqual(2L, host.Get<RequestAdmission>().Busy);

        var other = $"db.kv.{TestPlugins.New("other")}";
        Assert.IsFalse((await host.RequestAsync($"{other}.set", """{"key":"k","value":1}""")).IsError);
        Assert.AreEqual(1, (await host.RequestAsync($"{other}.get", """{"key":"k"}"""))["value"].GetInt32());
        Assert.AreEqual(2, flood.Count(t => !t.IsCompleted), "the other plugin had to wait for the flood to end");

        // The flood's running queries end at the request deadline: TIMEOUT, and their slots come back.
        var running = await Task.WhenAll(flood.Where(t => !t.IsCompleted));
        Assert.IsTrue(running.All(r => r.ErrorCode == "TIMEOUT"), string.Join("\n", running.Select(r => r.Body.ToString())));
        StringAssert.Contains(running[0].ErrorMessage, "Nats:RequestTimeoutMs");
        await SlowRequests.UntilAsync(() => host.Get<RequestAdmission>().Busy == 0, "the flood's slots are released");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    public async Task When_every_slot_is_busy_a_waiting_request_is_answered_unavailable_with_a_retry_hint(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend,
        [
            "--Nats:MaxConcurrency=2", "--Nats:MaxConcurrencyPerPlugin=1", "--Nats:MaxQueued=1",
            "--Nats:QueueWaitMs=300", "--Nats:RequestTimeoutMs=5000",
        ]);
        var busy = new[] { TestPlugins.New("a"), TestPlugins.New("b") }
            .Select(p => host.RequestAsync($"db.sql.{p}.query", SlowRequests.Query, TimeSpan.FromSeconds(90)))
            .ToList();
        await SlowRequests.UntilAsync(() => host.Get<RequestAdmission>().Busy == 2, "both slots are busy");
        var third = await host.RequestAsync($"db.kv.{TestPlugins.New("c")}.get", """{"key":"k"}""");
        Assert.AreEqual("UNAVAILABLE", third.ErrorCode, third.Body.ToString());
        StringAssert.Contains(third.ErrorMessage, "Nats:QueueWaitMs");
        Assert.AreEqual(300, third.Body.GetProperty("error").GetProperty("details").GetProperty("retry_after_ms").GetInt32());
        Assert.AreEqual("503", third.Headers?["Nats-Service-Error-Code"].ToString());
        Assert.IsTrue(busy.All(t => !t.IsCompleted));
        await Task.WhenAll(busy);
    }

    [TestMethod]
    public void The_busy_gauge_reads_zero_after_the_admission_is_disposed()
    {
        // Any in-process metrics listener may read the gauge while a host is being disposed.
        var admission = new RequestAdmission(Microsoft.Extensions.Options.Options.Create(new Storage.Host.NatsOptions()));
        using (admission.Enter("p"))
            Assert.AreEqual(1, admission.Busy);

        admission.Dispose();

        Assert.AreEqual(0, admission.Busy);
    }
}
