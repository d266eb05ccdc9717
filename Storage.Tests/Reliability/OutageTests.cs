using System.Globalization;
using NATS.Client.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Reliability;

/// <summary>The database or NATS goes away while the host runs: requests fail promptly, and the host recovers by itself.</summary>
[TestClass]
public sealed class OutageTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task A_postgres_outage_answers_unavailable_and_the_host_recovers_when_it_returns()
    {
        using var postgres = await PostgresServer.StartAsync();
        var connectionString = $"Host=127.0.0.1;Port={postgres.Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres;Timeout=3;Command Timeout=5";
        await using var host = await DedicatedHost.StartAsync(Backend.Postgres, postgresConnectionString: connectionString);
        var plugin = TestPlugins.New().Value;
        Assert.IsFalse((await host.RequestAsync($"db.kv.{plugin}.set", """{"key":"k","value":1}""")).IsError);

        postgres.Stop();
        // Every request during the outage is answered (no hang past the request timeout), and with UNAVAILABLE.
        foreach (var (op, body) in new[] { ("get", """{"key":"k"}"""), ("set", """{"key":"k","value":2}"""), ("incr", """{"key":"n"}"""), ("list", "{}"), ("get", """{"key":"k"}""") })
        {
            var reply = await host.RequestAsync($"db.kv.{plugin}.{op}", body, RequestTimeout);
            Assert.AreEqual("UNAVAILABLE", reply.ErrorCode, $"{op}: {reply.Body}");
            Assert.AreEqual("503", reply.Headers?["Nats-Service-Error-Code"].ToString());
        }

        postgres.Start();
        var recovered = await PollAsync(async () => !(await host.RequestAsync($"db.kv.{plugin}.get", """{"key":"k"}""", RequestTimeout)).IsError);
        Assert.IsTrue(recovered, $"The host did not serve again within {Eventually.Deadline.TotalSeconds} s after PostgreSQL returned.");
        Assert.AreEqual(1, (await host.RequestAsync($"db.kv.{plugin}.get", """{"key":"k"}"""))["value"].GetInt32());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task After_a_nats_restart_the_host_serves_again_without_a_restart(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend);
        var plugin = TestPlugins.New().Value;
        Assert.IsFalse((await host.RequestAsync($"db.kv.{plugin}.set", """{"key":"k","value":"before"}""")).IsError);

        await host.Server.RestartAsync();

        var recovered = await PollAsync(async () =>
        {
            try
            {
                return !(await host.RequestAsync($"db.kv.{plugin}.get", """{"key":"k"}""", TimeSpan.FromSeconds(2))).IsError;
            }
            catch (NatsException)
            {
                return false; // Not reconnected yet: no responders or no reply.
            }
        });
        Assert.IsTrue(recovered, $"The host did not serve again within {Eventually.Deadline.TotalSeconds} s after nats-server restarted.");
        Assert.AreEqual("before", (await host.RequestAsync($"db.kv.{plugin}.get", """{"key":"k"}"""))["value"].GetString());
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> attempt)
    {
        var deadline = Eventually.From(DateTime.UtcNow);
        while (DateTime.UtcNow < deadline)
        {
            if (await attempt())
                return true;
            await Task.Delay(200);
        }
        return false;
    }
}
