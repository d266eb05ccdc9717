using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Tests.Infrastructure;
using Storage.Tests.Security;

namespace Storage.Tests.Reliability;

/// <summary>
/// Two real host processes on one PostgreSQL database, each cached what it served, and each is
/// asked directly: every host has its own nats-server, so a request named for host B can only be
/// answered by B (on one server the queue group would pick a host at random). A change made
/// through one host is seen by a request to the other right after the change's reply.
/// </summary>
[TestClass]
public sealed class CacheCoherenceTests
{
    private const string CreateItems = """{"version":"001","up":"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)","down":"DROP TABLE items"}""";
    private const string AddNote = """{"version":"002","up":"ALTER TABLE items ADD COLUMN note TEXT","down":"ALTER TABLE items DROP COLUMN note"}""";

    [TestMethod]
    public async Task A_migration_rollback_and_purge_through_one_host_are_seen_through_the_other_at_once()
    {
        await using var pair = await HostPair.StartAsync();
        var (a, b) = (pair.A, pair.B);
        var plugin = TestPlugins.New("coh").Value;

        // B caches the plugin's role, catalog, KV set-up and SQL statistics.
        Ok(await b.RequestAsync($"db.migrate.{plugin}", $$"""{"action":"apply","migrations":[{{CreateItems}}]}"""));
        Ok(await b.RequestAsync($"db.row.{plugin}.insert", """{"table":"items","data":{"id":1,"name":"one"}}"""));
        Ok(await b.RequestAsync($"db.kv.{plugin}.set", """{"key":"k","value":"v"}"""));
        Ok(await b.RequestAsync($"db.sql.{plugin}.query", """{"query":"SELECT count(*) AS n FROM items"}"""));
        Assert.AreEqual(1, (await b.RequestAsync($"db.sql.{plugin}.stats", "{}")).GetProperty("queries").GetArrayLength());

        // A column added through A is accepted by B's very next insert.
        Ok(await a.RequestAsync($"db.migrate.{plugin}", $$"""{"action":"apply","migrations":[{{CreateItems}},{{AddNote}}]}"""));
        Ok(await b.RequestAsync($"db.row.{plugin}.insert", """{"table":"items","data":{"id":2,"name":"two","note":"new"}}"""));
        Assert.AreEqual("new", (await b.RequestAsync($"db.row.{plugin}.select", """{"table":"items","id":2}""")).GetProperty("row").GetProperty("note").GetString());

        // Rolled back through A: B refuses the column from its own (reloaded) catalog, not from a database error.
        Ok(await a.RequestAsync($"db.migrate.{plugin}", """{"action":"rollback","steps":1}"""));
        var refused = await b.RequestAsync($"db.row.{plugin}.insert", """{"table":"items","data":{"id":3,"note":"gone"}}""");
        Assert.AreEqual("INVALID_REQUEST", Code(refused), refused.ToString());
        Assert.AreEqual("note", refused.GetProperty("error").GetProperty("details").GetProperty("column").GetString(), refused.ToString());

        // Purged through A: through B the plugin is empty (KV, rows, SQL statistics).
        Assert.IsTrue((await a.RequestAsync($"db.admin.purge.{plugin}", $$"""{"confirm":"{{plugin}}"}""")).GetProperty("purged").GetBoolean());
        Assert.IsFalse((await b.RequestAsync($"db.kv.{plugin}.get", """{"key":"k"}""")).GetProperty("exists").GetBoolean());
        Assert.AreEqual(0, (await b.RequestAsync($"db.kv.{plugin}.list", "{}")).GetProperty("keys").GetArrayLength());
        Assert.AreEqual("NOT_FOUND", Code(await b.RequestAsync($"db.row.{plugin}.select", """{"table":"items","id":1}""")));
        Assert.AreEqual(0, (await b.RequestAsync($"db.sql.{plugin}.stats", "{}")).GetProperty("queries").GetArrayLength());

        // Re-created after the purge, through B: both hosts work with the new role and schema.
        Ok(await b.RequestAsync($"db.migrate.{plugin}", $$"""{"action":"apply","migrations":[{{CreateItems}}]}"""));
        Ok(await a.RequestAsync($"db.row.{plugin}.insert", """{"table":"items","data":{"id":10,"name":"again"}}"""));
        Assert.AreEqual("again", (await b.RequestAsync($"db.row.{plugin}.select", """{"table":"items","id":10}""")).GetProperty("row").GetProperty("name").GetString());
        Ok(await b.RequestAsync($"db.kv.{plugin}.set", """{"key":"k2","value":"from-b"}"""));
        Assert.AreEqual("from-b", (await a.RequestAsync($"db.kv.{plugin}.get", """{"key":"k2"}""")).GetProperty("value").GetString());

        // What B wrote after the purge belongs to a provisioned plugin: a purge through A removes all of it.
        Assert.IsTrue((await a.RequestAsync($"db.admin.purge.{plugin}", $$"""{"confirm":"{{plugin}}"}""")).GetProperty("purged").GetBoolean());
        Assert.AreEqual(0, (await b.RequestAsync($"db.kv.{plugin}.list", "{}")).GetProperty("keys").GetArrayLength());
        Assert.AreEqual("NOT_FOUND", Code(await b.RequestAsync($"db.row.{plugin}.select", """{"table":"items","id":10}""")));
        await using var admin = await PluginSpy.AdminAsync();
        Assert.AreEqual(0L, await PluginSpy.ScalarAsync(admin, $"SELECT count(*) FROM _storage.kv WHERE plugin = '{plugin}'"));
    }

    private static void Ok(JsonElement reply) => Assert.IsFalse(reply.TryGetProperty("error", out _), reply.ToString());

    private static string? Code(JsonElement reply) =>
        reply.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;

    /// <summary>Host A and host B: separate processes, separate nats-servers, one PostgreSQL database.</summary>
    internal sealed class HostPair : IAsyncDisposable
    {
        private readonly List<IDisposable> _owned = [];

        public Client A { get; private set; } = null!;

        public Client B { get; private set; } = null!;

        public static async Task<HostPair> StartAsync()
        {
            var pair = new HostPair();
            try
            {
                var servers = await Task.WhenAll(NatsServer.StartAsync(), NatsServer.StartAsync());
                pair._owned.AddRange(servers);
                var hosts = await Task.WhenAll(servers.Select(s => HostProcess.StartAsync(TestHosts.Arguments(Backend.Postgres, s.Url))));
                pair._owned.AddRange(hosts);
                pair.A = await Client.ConnectAsync(servers[0].Url);
                pair.B = await Client.ConnectAsync(servers[1].Url);
                return pair;
            }
            catch
            {
                await pair.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (A is not null)
                await A.DisposeAsync();
            if (B is not null)
                await B.DisposeAsync();
            for (var i = _owned.Count - 1; i >= 0; i--)
                _owned[i].Dispose();
        }
    }

    internal sealed class Client(NatsConnection connection) : IAsyncDisposable
    {
        public static async Task<Client> ConnectAsync(string url)
        {
            var connection = new NatsConnection(NatsOpts.Default with { Url = url, RequestTimeout = TimeSpan.FromSeconds(30) });
            await connection.ConnectAsync();
            return new Client(connection);
        }

        public async Task<JsonElement> RequestAsync(string subject, string json)
        {
            var reply = await connection.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(json));
            return JsonDocument.Parse(reply.Data!).RootElement.Clone();
        }

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
