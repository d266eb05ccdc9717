using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary><c>RateLimits:Kv|Rows|Migrations</c>: per-plugin token buckets applied by the dispatcher before the tier runs.</summary>
[TestClass]
public sealed class TierRateLimitTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_over_its_kv_rate_is_rate_limited_while_other_plugins_and_tiers_are_not(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend,
            ["--RateLimits:Kv:PermitsPerSecond=1", "--RateLimits:Kv:Burst=3", "--RateLimits:Migrations:PermitsPerSecond=1", "--RateLimits:Migrations:Burst=2"]);
        var busy = TestPlugins.New("busy");
        var limited = await FirstRefusalAsync(host, $"db.kv.{busy}.get", """{"key":"k"}""");
        StringAssert.Contains(limited.ErrorMessage, "RateLimits:Kv");
        StringAssert.Contains(limited.ErrorMessage, "1 requests per second (burst 3)");
        Assert.IsGreaterThan(0L, limited.Body.GetProperty("error").GetProperty("details").GetProperty("retry_after_ms").GetInt64());
        Assert.AreEqual("429", limited.Headers?["Nats-Service-Error-Code"].ToString());

        // The same plugin's SQL and another plugin's KV are not counted against that bucket.
        Assert.IsFalse((await host.RequestAsync($"db.sql.{busy}.query", """{"query":"SELECT 1 AS one"}""")).IsError);
        var other = TestPlugins.New("other");
        for (var i = 0; i < 3; i++)
            Assert.IsFalse((await host.RequestAsync($"db.kv.{other}.get", """{"key":"k"}""")).IsError);

        var migrations = await FirstRefusalAsync(host, $"db.migrate.{busy}", """{"action":"status"}""");
        StringAssert.Contains(migrations.ErrorMessage, "RateLimits:Migrations");
    }

    [TestMethod]
    public async Task An_invalid_rate_limit_stops_the_host_at_start()
    {
        await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => DedicatedHost.StartAsync(Backend.Sqlite, ["--RateLimits:Rows:PermitsPerSecond=0"]));
    }

    private static async Task<Reply> FirstRefusalAsync(DedicatedHost host, string subject, string body)
    {
        for (var i = 0; i < 50; i++)
        {
            var reply = await host.RequestAsync(subject, body);
            if (reply.IsError)
            {
                Assert.AreEqual("RATE_LIMITED", reply.ErrorCode, reply.Body.ToString());
                Assert.IsGreaterThanOrEqualTo(2, i);
                return reply;
            }
        }
        Assert.Fail($"50 requests in a row on {subject} were never rate limited.");
        return null!;
    }
}
