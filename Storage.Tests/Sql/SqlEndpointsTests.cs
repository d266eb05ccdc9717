using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlEndpointsTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Query_through_nats_replies_with_the_contract_shape(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var reply = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query",
            """{"query":"SELECT id, name FROM items WHERE id < :max ORDER BY id","params":{"max":3},"max_rows":1}""");
        Assert.IsFalse(reply.IsError, reply.Body.ToString());
        Assert.AreEqual("""["id","name"]""", reply["columns"].GetRawText());
        Assert.AreEqual("""[{"id":1,"name":"apple"}]""", reply["rows"].GetRawText());
        Assert.AreEqual(1, reply["row_count"].GetInt32());
        Assert.IsTrue(reply["truncated"].GetBoolean());
        Assert.AreEqual(System.Text.Json.JsonValueKind.Number, reply["elapsed_ms"].ValueKind);
        Assert.IsFalse(reply.Body.TryGetProperty("plan", out _));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Refused_statements_get_a_forbidden_reply_with_micro_headers(string backend)
    {
        var plugin = TestPlugins.New();
        var reply = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", """{"query":"DROP TABLE items"}""");
        Assert.AreEqual("FORBIDDEN", reply.ErrorCode);
        Assert.AreEqual("403", reply.Headers?["Nats-Service-Error-Code"].ToString());
        StringAssert.Contains(reply.ErrorMessage, "db.migrate");
        var bad = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", """{"query":42}""");
        Assert.AreEqual("INVALID_REQUEST", bad.ErrorCode);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_write_repeated_with_its_request_id_applies_once(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        const string insert = """{"query":"UPDATE items SET qty = qty + 1 WHERE id = 1","allow_write":true,"request_id":"r-1"}""";
        var first = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", insert);
        var second = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", insert);
        Assert.AreEqual(first.Body.GetRawText(), second.Body.GetRawText());
        var read = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", """{"query":"SELECT qty FROM items WHERE id = 1"}""");
        Assert.AreEqual("""[{"qty":4}]""", read["rows"].GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Stats_through_nats_list_the_plugins_fingerprints(string backend)
    {
        var plugin = TestPlugins.New();
        await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", """{"query":"SELECT :a AS a","params":{"a":"hidden-value"}}""");
        var stats = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.stats", "{}");
        Assert.IsFalse(stats.IsError, stats.Body.ToString());
        var entry = stats["queries"][0];
        Assert.AreEqual("select :a as a", entry.GetProperty("fingerprint").GetString());
        Assert.AreEqual(1, entry.GetProperty("count").GetInt32());
        foreach (var field in new[] { "errors", "rows_returned", "p50_ms", "p95_ms", "p99_ms", "max_ms", "total_ms" })
            Assert.IsTrue(entry.TryGetProperty(field, out _), field);
        Assert.DoesNotContain("hidden-value", stats.Body.GetRawText());
    }
}
