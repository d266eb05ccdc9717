using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Kv;
using Storage.Rows;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Reliability;

/// <summary>The built host as real processes: killed, signalled, and two of them sharing one queue group.</summary>
[TestClass]
public sealed class HostProcessTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task After_kill_9_every_acknowledged_write_is_present(string backend)
    {
        using var nats = await NatsServer.StartAsync();
        await using var client = await ConnectAsync(nats);
        var plugin = TestPlugins.New().Value;
        using var host = await HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url));
        await MigrateAsync(client, plugin);
        await using var stream = new WriteStream(client, plugin, rows: true);
        await stream.WaitForAcknowledgedAsync(300);

        host.Kill();
        await stream.StopAsync();

        await stream.AssertAllAcknowledgedArePresentAsync(TestBackends.Get<IKvStore>(backend), plugin);
        await stream.AssertAllAcknowledgedRowsArePresentAsync(TestBackends.Get<IRowInspector>(backend), plugin);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Sigterm_under_load_exits_cleanly_and_loses_no_acknowledged_write(string backend)
    {
        using var nats = await NatsServer.StartAsync();
        await using var client = await ConnectAsync(nats);
        var plugin = TestPlugins.New().Value;
        using var host = await HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url));
        await MigrateAsync(client, plugin);
        await using var stream = new WriteStream(client, plugin, rows: true);
        await stream.WaitForAcknowledgedAsync(300);

        host.Terminate();
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await stream.StopAsync();

        Assert.AreEqual(0, exitCode, host.Output);
        await stream.AssertAllAcknowledgedArePresentAsync(TestBackends.Get<IKvStore>(backend), plugin);
        await stream.AssertAllAcknowledgedRowsArePresentAsync(TestBackends.Get<IRowInspector>(backend), plugin);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Two_hosts_share_the_load_and_concurrent_incr_stays_exact(string backend)
    {
        const int Increments = 200;
        using var nats = await NatsServer.StartAsync();
        await using var client = await ConnectAsync(nats);
        var plugin = TestPlugins.New().Value;
        var starting = new[] { HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url)), HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url)) };
        using var first = await starting[0];
        using var second = await starting[1];

        await Parallel.ForEachAsync(Enumerable.Range(0, Increments), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, ct) =>
        {
            var reply = await client.RequestAsync<byte[], byte[]>($"db.kv.{plugin}.incr", """{"key":"counter"}"""u8.ToArray(), cancellationToken: ct);
            Assert.Contains("\"value\"", Encoding.UTF8.GetString(reply.Data!));
        });

        var get = await client.RequestAsync<byte[], byte[]>($"db.kv.{plugin}.get", """{"key":"counter"}"""u8.ToArray());
        Assert.AreEqual(Increments, JsonDocument.Parse(get.Data!).RootElement.GetProperty("value").GetInt64());

        var stats = await ServiceStats.EndpointAsync(client, "kv", hosts: 2, s => s.Sum(e => ServiceStats.OperationRequests(e, "incr")) >= Increments);
        var served = stats.Select(e => ServiceStats.OperationRequests(e, "incr")).ToList();
        Assert.HasCount(2, served);
        Assert.AreEqual(Increments, served.Sum());
        Assert.IsTrue(served.All(n => n > 0), $"One host served everything: {string.Join(", ", served)}.");
    }

    private static async Task MigrateAsync(NatsConnection client, string plugin)
    {
        var reply = await client.RequestAsync<byte[], byte[]>($"db.migrate.{plugin}", Encoding.UTF8.GetBytes(WriteStream.RowMigration));
        Assert.DoesNotContain("\"error\"", Encoding.UTF8.GetString(reply.Data!));
    }

    private static async Task<NatsConnection> ConnectAsync(NatsServer nats)
    {
        var client = new NatsConnection(NatsOpts.Default with { Url = nats.Url, RequestTimeout = TimeSpan.FromSeconds(15) });
        await client.ConnectAsync();
        return client;
    }
}
