using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Rows;

/// <summary>The row tier end to end through NATS: every operation, the error replies and their headers.</summary>
[TestClass]
public sealed class RowNatsTests
{
    private static async Task<PluginId> NewAsync(string backend)
    {
        var plugin = TestPlugins.New("n");
        await RowTestSchema.CreateItemsAsync(backend, plugin);
        return plugin;
    }

    private static Task<Reply> Send(string backend, PluginId plugin, string op, string json) =>
        TestHosts.RequestAsync(backend, $"db.row.{plugin}.{op}", json);

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_operation_works_through_nats(string backend)
    {
        var plugin = await NewAsync(backend);
        var one = await Send(backend, plugin, "insert", """{"table":"items","data":{"name":"a","qty":1,"active":true,"created_at":"2025-11-22T10:30:00Z","tags":[1]}}""");
        Assert.AreEqual(1, one["id"].GetInt32(), one.Body.ToString());
        Assert.IsTrue(one["created"].GetBoolean());
        var batch = await Send(backend, plugin, "insert", """{"table":"items","data":[{"name":"b","qty":2},{"name":"c","qty":3}]}""");
        Assert.AreEqual("""{"ids":[2,3],"created":2}""", batch.Body.GetRawText());

        var row = (await Send(backend, plugin, "select", """{"table":"items","id":1}"""))["row"];
        Assert.AreEqual("""{"id":1,"name":"a","qty":1,"price":null,"score":null,"active":true,"created_at":"2025-11-22T10:30:00Z","day":null,"tags":[1],"meta":null,"code":null}""", row.GetRawText());

        var first = await Send(backend, plugin, "search", """{"table":"items","filters":{"qty":{"$gte":1}},"sort":[{"field":"qty","order":"desc"}],"limit":2,"count":true}""");
        Assert.AreEqual(3, first["total"].GetInt32());
        Assert.IsTrue(first["truncated"].GetBoolean());
        var next = first["next"].GetString();
        var second = await Send(backend, plugin, "search", $$$"""{"table":"items","filters":{"qty":{"$gte":1}},"sort":[{"field":"qty","order":"desc"}],"limit":2,"after":"{{{next}}}"}""");
        Assert.AreEqual("a", second["rows"][0].GetProperty("name").GetString());
        Assert.IsFalse(second["truncated"].GetBoolean());
        Assert.IsFalse(second.Body.TryGetProperty("next", out _));

        var update = await Send(backend, plugin, "update", """{"table":"items","filters":{"name":"b"},"operations":{"$inc":{"qty":10},"$push":{"tags":"x"}}}""");
        Assert.AreEqual(1, update["matched"].GetInt32());
        Assert.AreEqual(1, update["updated"].GetInt32());
        var upsert = await Send(backend, plugin, "update", """{"table":"items","filters":{"name":"z"},"data":{"qty":9},"upsert":true}""");
        Assert.AreEqual(4, upsert["upserted_id"].GetInt32(), upsert.Body.ToString());
        var ids = await Send(backend, plugin, "select", """{"table":"items","ids":[4,2]}""");
        Assert.AreEqual("""[{"id":4,"name":"z","qty":9},{"id":2,"name":"b","qty":12}]""", Trim(ids["rows"]));

        Assert.AreEqual(2, (await Send(backend, plugin, "delete", """{"table":"items","filters":{"qty":{"$gt":5}}}"""))["deleted"].GetInt32());
        Assert.AreEqual(2, (await Send(backend, plugin, "delete", """{"table":"items","all":true}"""))["deleted"].GetInt32());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_filter_operator_works_through_nats(string backend)
    {
        var plugin = await NewAsync(backend);
        await Send(backend, plugin, "insert", """
            {"table":"items","data":[
              {"name":"Apple","qty":5,"created_at":"2025-01-01T00:00:00Z"},{"name":"apple_2","qty":10},
              {"name":"Banana","qty":null,"created_at":"2025-03-01T00:00:00Z"},{"name":"50% off","qty":50}]}
            """);
        (string Filters, int Count)[] cases =
        [
            ("""{"name":"Apple"}""", 1), ("""{"qty":{"$eq":10}}""", 1), ("""{"qty":{"$ne":10}}""", 2),
            ("""{"qty":{"$gt":5,"$lte":50}}""", 2), ("""{"qty":{"$gte":5,"$lt":10}}""", 1),
            ("""{"created_at":{"$gt":"2025-02-01T00:00:00Z"}}""", 1), ("""{"name":{"$lt":"B"}}""", 2),
            ("""{"qty":{"$in":[5,50]}}""", 2), ("""{"qty":{"$nin":[5,50]}}""", 1),
            ("""{"name":{"$like":"apple%"}}""", 1), ("""{"name":{"$like":"apple\\_%"}}""", 1), ("""{"name":{"$like":"%\\%%"}}""", 1),
            ("""{"name":{"$ilike":"APPLE%"}}""", 2), ("""{"qty":{"$exists":false}}""", 1), ("""{"qty":null}""", 1),
            ("""{"$or":[{"qty":5},{"name":"Banana"}]}""", 2), ("""{"$and":[{"qty":{"$gt":1}},{"$not":{"qty":50}}]}""", 2),
        ];
        foreach (var (filters, count) in cases)
        {
            var reply = await Send(backend, plugin, "search", $$"""{"table":"items","filters":{{filters}},"count":true}""");
            Assert.IsFalse(reply.IsError, $"{filters}: {reply.Body}");
            Assert.AreEqual(count, reply["total"].GetInt32(), filters);
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Errors_come_back_with_contract_codes_and_headers(string backend)
    {
        var plugin = await NewAsync(backend);
        var notFound = await Send(backend, plugin, "search", """{"table":"quotes; DROP TABLE items"}""");
        Assert.AreEqual("NOT_FOUND", notFound.ErrorCode);
        Assert.AreEqual("404", notFound.Headers?["Nats-Service-Error-Code"].ToString());
        var wrongType = await Send(backend, plugin, "insert", """{"table":"items","data":{"name":"a","qty":"many"}}""");
        Assert.AreEqual("INVALID_REQUEST", wrongType.ErrorCode);
        Assert.Contains("qty", wrongType.ErrorMessage!);
        Assert.AreEqual("400", wrongType.Headers?["Nats-Service-Error-Code"].ToString());
        Assert.AreEqual("INVALID_REQUEST", (await Send(backend, plugin, "insert", """{"table":"items","data":{"qty":1}}""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await Send(backend, plugin, "search", """{"table":"items","filters":{"qty":{"$near":1}}}""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await Send(backend, plugin, "search", """{"table":"items","limit":5000}""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await Send(backend, plugin, "search", """{"table":"items","limit":"ten"}""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await Send(backend, plugin, "delete", """{"table":"items","filters":{}}""")).ErrorCode);
        Assert.AreEqual("INVALID_JSON", (await Send(backend, plugin, "insert", "not json")).ErrorCode);
        await Send(backend, plugin, "insert", """{"table":"items","data":{"name":"a","code":"c"}}""");
        Assert.AreEqual("CONFLICT", (await Send(backend, plugin, "insert", """{"table":"items","data":{"name":"b","code":"c"}}""")).ErrorCode);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_repeated_insert_request_id_inserts_once(string backend)
    {
        var plugin = await NewAsync(backend);
        var body = """{"table":"items","data":{"name":"once"},"request_id":"r-1"}""";
        var first = await Send(backend, plugin, "insert", body);
        var again = await Send(backend, plugin, "insert", body);
        Assert.AreEqual(first.Body.GetRawText(), again.Body.GetRawText());
        Assert.AreEqual(1, (await Send(backend, plugin, "search", """{"table":"items","count":true}"""))["total"].GetInt32());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hundred_concurrent_increments_through_nats_add_hundred(string backend)
    {
        var plugin = await NewAsync(backend);
        await Send(backend, plugin, "insert", """{"table":"items","data":{"name":"counter","qty":0}}""");
        var replies = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            Send(backend, plugin, "update", """{"table":"items","id":1,"operations":{"qty":{"$inc":1}}}""")));
        Assert.IsTrue(replies.All(r => !r.IsError), replies.FirstOrDefault(r => r.IsError)?.Body.ToString());
        Assert.AreEqual(100, (await Send(backend, plugin, "select", """{"table":"items","id":1}"""))["row"].GetProperty("qty").GetInt32());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_cannot_reach_another_plugins_table_by_name(string backend)
    {
        var owner = await NewAsync(backend);
        var intruder = TestPlugins.New("n");
        await Send(backend, owner, "insert", """{"table":"items","data":{"name":"private"}}""");
        foreach (var table in new[] { "items", $"plugin_{owner}.items", $"{owner}.items", "_storage_kv" })
        {
            var reply = await Send(backend, intruder, "search", $$"""{"table":"{{table}}"}""");
            Assert.AreEqual("NOT_FOUND", reply.ErrorCode, table);
        }
    }

    // Keeps only id, name and qty of each row, for a compact comparison.
    private static string Trim(System.Text.Json.JsonElement rows) =>
        "[" + string.Join(",", rows.EnumerateArray().Select(r =>
            $$"""{"id":{{r.GetProperty("id").GetRawText()}},"name":{{r.GetProperty("name").GetRawText()}},"qty":{{r.GetProperty("qty").GetRawText()}}}""")) + "]";
}
