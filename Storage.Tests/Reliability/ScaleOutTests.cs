using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Reliability;

/// <summary>Two host processes in one queue group on one database: migrations and row counters stay exact.</summary>
[TestClass]
public sealed class ScaleOutTests
{
    private const string Migrations = """
        {"action":"apply","migrations":[
          {"version":"001","up":"CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"},
          {"version":"002","up":"CREATE TABLE second (id INTEGER PRIMARY KEY)"},
          {"version":"003","up":"ALTER TABLE second ADD COLUMN note TEXT"}]}
        """;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Two_hosts_serialize_concurrent_migration_applies_and_row_inc_stays_exact(string backend)
    {
        const int Applies = 8;
        const int Increments = 200;
        using var nats = await NatsServer.StartAsync();
        await using var client = new NatsConnection(NatsOpts.Default with { Url = nats.Url, RequestTimeout = TimeSpan.FromSeconds(30) });
        await client.ConnectAsync();
        var plugin = TestPlugins.New().Value;
        var starting = new[] { HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url)), HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url)) };
        using var first = await starting[0];
        using var second = await starting[1];

        // Every version is applied by exactly one of the concurrent requests; none fails.
        var replies = await Task.WhenAll(Enumerable.Range(0, Applies).Select(_ => RequestAsync(client, $"db.migrate.{plugin}", Migrations)));
        foreach (var reply in replies)
            Assert.IsFalse(reply.TryGetProperty("error", out _), reply.ToString());
        var applied = replies.SelectMany(r => r.GetProperty("applied").EnumerateArray().Select(v => v.GetString())).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(new[] { "001", "002", "003" }, applied);
        var status = await RequestAsync(client, $"db.migrate.{plugin}", """{"action":"status"}""");
        Assert.AreEqual(3, status.GetProperty("applied").GetArrayLength());

        await RequestAsync(client, $"db.row.{plugin}.insert", """{"table":"counters","data":{"id":1,"n":0}}""");
        await Parallel.ForEachAsync(Enumerable.Range(0, Increments), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, _) =>
        {
            var reply = await RequestAsync(client, $"db.row.{plugin}.update", """{"table":"counters","id":1,"operations":{"$inc":{"n":1}}}""");
            Assert.IsFalse(reply.TryGetProperty("error", out _), reply.ToString());
        });
        var row = await RequestAsync(client, $"db.row.{plugin}.select", """{"table":"counters","id":1}""");
        Assert.AreEqual(Increments, row.GetProperty("row").GetProperty("n").GetInt64());

        var stats = await ServiceStats.EndpointAsync(client, "row", hosts: 2, s => s.Sum(e => ServiceStats.OperationRequests(e, "update")) >= Increments);
        var served = stats.Select(e => ServiceStats.OperationRequests(e, "update")).ToList();
        Assert.AreEqual(Increments, served.Sum());
        Assert.IsTrue(served.All(n => n > 0), $"One host served everything: {string.Join(", ", served)}.");
    }

    private static async Task<JsonElement> RequestAsync(NatsConnection client, string subject, string json)
    {
        var reply = await client.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(json));
        return JsonDocument.Parse(reply.Data!).RootElement.Clone();
    }
}
