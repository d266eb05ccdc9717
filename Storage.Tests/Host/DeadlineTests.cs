using Storage.Host.Nats;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// <c>Nats:RequestTimeoutMs</c> and <c>Nats:DrainTimeoutMs</c>: the handler's token fires at the
/// deadline and reaches the database command (TIMEOUT); shutdown cancels what is left after its drain time.
/// </summary>
[TestClass]
public sealed class DeadlineTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_query_running_past_the_request_deadline_is_canceled_and_answered_timeout(string backend)
    {
        // timeout_ms allows 30 s; the request deadline of 1.5 s is what stops it.
        await using var host = await DedicatedHost.StartAsync(backend, ["--Nats:RequestTimeoutMs=1500"]);
        var plugin = TestPlugins.New();
        var reply = await host.RequestAsync($"db.sql.{plugin}.query", SlowRequests.Query, TimeSpan.FromSeconds(60));
        Assert.AreEqual("TIMEOUT", reply.ErrorCode, reply.Body.ToString());
        StringAssert.Contains(reply.ErrorMessage, "1500 ms (Nats:RequestTimeoutMs)");
        Assert.AreEqual(1500, reply.Body.GetProperty("error").GetProperty("details").GetProperty("limit_ms").GetInt32());
        Assert.AreEqual(0L, host.Get<RequestAdmission>().Busy);
        var after = await host.RequestAsync($"db.sql.{plugin}.query", """{"query":"SELECT 1 AS one"}""");
        Assert.IsFalse(after.IsError, after.Body.ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Shutdown_cancels_requests_still_running_after_the_drain_time_and_answers_them_unavailable(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend, ["--Nats:RequestTimeoutMs=120000", "--Nats:DrainTimeoutMs=300"]);
        var slow = host.RequestAsync($"db.sql.{TestPlugins.New()}.query", SlowRequests.Query, TimeSpan.FromSeconds(60));
        await SlowRequests.UntilAsync(() => host.Get<RequestAdmission>().Busy == 1, "the query is running");
        await host.Host.StopAsync();
        var reply = await slow;
        Assert.AreEqual("UNAVAILABLE", reply.ErrorCode, reply.Body.ToString());
        StringAssert.Contains(reply.ErrorMessage, "shut down");
    }
}
