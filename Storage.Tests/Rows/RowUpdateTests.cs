using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

[TestClass]
public sealed class RowUpdateTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<(IRowStore Store, PluginId Plugin)> NewAsync(string backend, string rows = """[{"name":"a","qty":1,"score":1.5,"code":"a"},{"name":"b","qty":null,"code":"b"}]""")
    {
        var plugin = TestPlugins.New("u");
        await CreateItemsAsync(backend, plugin);
        var store = TestBackends.Get<IRowStore>(backend);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json(rows)), None);
        return (store, plugin);
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> RowAsync(IRowStore store, PluginId plugin, int id) =>
        (await store.SelectAsync(plugin, new RowSelectRequest("items", Id: Json(id.ToString(System.Globalization.CultureInfo.InvariantCulture))), None)).Row!;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Update_by_id_sets_data_and_applies_operations(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        var result = await store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"),
            Data: Json("""{"name":"A","active":true}"""),
            Operations: Json("""{"$inc":{"qty":4},"$dec":{"score":0.5},"$max":{"created_at":"2025-01-01T00:00:00Z"},"$push":{"tags":{"t":1}}}""")), None);
        Assert.AreEqual(1L, result.Matched);
        Assert.AreEqual(1L, result.Updated);
        var row = await RowAsync(store, plugin, 1);
        Assert.AreEqual("A", row["name"]!.GetValue<string>());
        Assert.AreEqual("true", row["active"]!.ToJsonString());
        Assert.AreEqual(5L, row["qty"]!.GetValue<long>());
        Assert.AreEqual("1", row["score"]!.ToJsonString());
        Assert.AreEqual("2025-01-01T00:00:00Z", row["created_at"]!.GetValue<string>());
        Assert.AreEqual("""[{"t":1}]""", row["tags"]!.ToJsonString().Replace(" ", "", StringComparison.Ordinal));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Operators_on_null_set_the_value_and_max_min_keep_the_extreme(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("2"), Operations: Json("""{"qty":{"$inc":3},"score":{"$min":2.5},"created_at":{"$max":"2025-05-05T05:05:05Z"}}""")), None);
        var row = await RowAsync(store, plugin, 2);
        Assert.AreEqual(3L, row["qty"]!.GetValue<long>());
        Assert.AreEqual("2.5", row["score"]!.ToJsonString());
        Assert.AreEqual("2025-05-05T05:05:05Z", row["created_at"]!.GetValue<string>());

        await store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("2"), Operations: Json("""{"$max":{"qty":2,"created_at":"2026-01-01T00:00:00Z"},"$min":{"score":3}}""")), None);
        row = await RowAsync(store, plugin, 2);
        Assert.AreEqual(3L, row["qty"]!.GetValue<long>());
        Assert.AreEqual("2.5", row["score"]!.ToJsonString());
        Assert.AreEqual("2026-01-01T00:00:00Z", row["created_at"]!.GetValue<string>());
        await store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("2"), Operations: Json("""{"$min":{"qty":-7,"name":"Z"}}""")), None);
        row = await RowAsync(store, plugin, 2);
        Assert.AreEqual(-7L, row["qty"]!.GetValue<long>());
        Assert.AreEqual("Z", row["name"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Push_appends_one_element_to_a_json_array(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        foreach (var element in new[] { "1", "\"two\"", "[3]", "null" })
            await store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Operations: Json($$$"""{"$push":{"tags":{{{element}}},"meta":{{{element}}}}}""")), None);
        var row = await RowAsync(store, plugin, 1);
        Assert.AreEqual("""[1,"two",[3],null]""", row["tags"]!.ToJsonString());
        Assert.AreEqual("""[1,"two",[3],null]""", row["meta"]!.ToJsonString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Update_by_filters_counts_matches_and_empty_filters_need_all(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        var some = await store.UpdateAsync(plugin, new RowUpdateRequest("items", Filters: Json("""{"name":{"$in":["a","b"]},"qty":{"$exists":true}}"""), Data: Json("""{"active":false}""")), None);
        Assert.AreEqual(1L, some.Matched);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "all", () =>
            store.UpdateAsync(plugin, new RowUpdateRequest("items", Filters: Json("{}"), Data: Json("""{"qty":0}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "all", () =>
            store.UpdateAsync(plugin, new RowUpdateRequest("items", Data: Json("""{"qty":0}""")), None));
        var all = await store.UpdateAsync(plugin, new RowUpdateRequest("items", Data: Json("""{"qty":0}"""), All: true), None);
        Assert.AreEqual(2L, all.Updated);
        var none = await store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("99"), Data: Json("""{"qty":0}""")), None);
        Assert.AreEqual(0L, none.Matched);
        Assert.IsNull(none.UpsertedId);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"$inc":{"name":1}}""", "$inc")]
    [DataRow(Backend.Postgres, """{"$inc":{"name":1}}""", "$inc")]
    [DataRow(Backend.Sqlite, """{"$inc":{"qty":1.5}}""", "qty")]
    [DataRow(Backend.Postgres, """{"$inc":{"qty":1.5}}""", "qty")]
    [DataRow(Backend.Sqlite, """{"$inc":{"qty":"1"}}""", "qty")]
    [DataRow(Backend.Postgres, """{"$inc":{"qty":"1"}}""", "qty")]
    [DataRow(Backend.Sqlite, """{"$push":{"name":"x"}}""", "$push")]
    [DataRow(Backend.Postgres, """{"$push":{"name":"x"}}""", "$push")]
    [DataRow(Backend.Sqlite, """{"$max":{"active":true}}""", "$max")]
    [DataRow(Backend.Postgres, """{"$max":{"active":true}}""", "$max")]
    [DataRow(Backend.Sqlite, """{"$rename":{"qty":"x"}}""", "$rename")]
    [DataRow(Backend.Postgres, """{"$rename":{"qty":"x"}}""", "$rename")]
    [DataRow(Backend.Sqlite, """{"$inc":{"qty":1},"$max":{"qty":3}}""", "one operator per field")]
    [DataRow(Backend.Postgres, """{"$inc":{"qty":1},"$max":{"qty":3}}""", "one operator per field")]
    [DataRow(Backend.Sqlite, """{"qty":{"$inc":1,"$max":3}}""", "exactly one operator")]
    [DataRow(Backend.Postgres, """{"qty":{"$inc":1,"$max":3}}""", "exactly one operator")]
    [DataRow(Backend.Sqlite, """{"$set":{"nope":1}}""", "nope")]
    [DataRow(Backend.Postgres, """{"$set":{"nope":1}}""", "nope")]
    [DataRow(Backend.Sqlite, """{}""", "data")]
    [DataRow(Backend.Postgres, """{}""", "data")]
    public async Task Bad_operations_are_invalid_and_change_nothing(string backend, string operations, string named)
    {
        var (store, plugin) = await NewAsync(backend);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, named, () =>
            store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Operations: Json(operations)), None));
        Assert.AreEqual(1L, (await RowAsync(store, plugin, 1))["qty"]!.GetValue<long>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Setting_a_not_null_column_to_null_or_a_duplicate_is_refused(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () =>
            store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Data: Json("""{"name":null}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.Conflict, () =>
            store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Data: Json("""{"code":"b"}""")), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hundred_concurrent_increments_add_exactly_hundred(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() =>
            store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Operations: Json("""{"$inc":{"qty":1}}""")), None))));
        Assert.AreEqual(101L, (await RowAsync(store, plugin, 1))["qty"]!.GetValue<long>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Upsert_inserts_the_filter_fields_and_operation_values_once(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        var request = new RowUpdateRequest("items", Filters: Json("""{"name":"counter","code":{"$eq":"k"}}"""),
            Operations: Json("""{"$inc":{"qty":1},"$push":{"tags":"x"},"$dec":{"score":2}}"""), Upsert: true);
        var first = await store.UpdateAsync(plugin, request, None);
        Assert.AreEqual(0L, first.Matched);
        Assert.AreEqual(3L, first.UpsertedId!.GetValue<long>());
        var row = await RowAsync(store, plugin, 3);
        Assert.AreEqual("counter", row["name"]!.GetValue<string>());
        Assert.AreEqual("k", row["code"]!.GetValue<string>());
        Assert.AreEqual(1L, row["qty"]!.GetValue<long>());
        Assert.AreEqual("-2", row["score"]!.ToJsonString());
        Assert.AreEqual("""["x"]""", row["tags"]!.ToJsonString());

        // Concurrent upserts of one filter: one insert, the rest update it.
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() =>
            store.UpdateAsync(plugin, request with { Filters = Json("""{"name":"race"}""") }, None))));
        Assert.AreEqual(1, results.Count(r => r.UpsertedId is not null));
        var race = await store.SearchAsync(plugin, new RowSearchRequest("items", Filters: Json("""{"name":"race"}""")), None);
        Assert.AreEqual(20L, race.Rows.Single()["qty"]!.GetValue<long>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Delete_by_id_and_filters_and_all(string backend)
    {
        var (store, plugin) = await NewAsync(backend, """[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]""");
        Assert.AreEqual(1L, (await store.DeleteAsync(plugin, new RowDeleteRequest("items", Id: Json("1")), None)).Deleted);
        Assert.AreEqual(0L, (await store.DeleteAsync(plugin, new RowDeleteRequest("items", Id: Json("1")), None)).Deleted);
        Assert.AreEqual(2L, (await store.DeleteAsync(plugin, new RowDeleteRequest("items", Filters: Json("""{"name":{"$in":["b","c"]}}""")), None)).Deleted);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "all", () => store.DeleteAsync(plugin, new RowDeleteRequest("items", Filters: Json("{}")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "all", () => store.DeleteAsync(plugin, new RowDeleteRequest("items"), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.DeleteAsync(plugin, new RowDeleteRequest("items", Id: Json("1"), Filters: Json("""{"name":"d"}""")), None));
        Assert.AreEqual(1L, (await store.DeleteAsync(plugin, new RowDeleteRequest("items", All: true), None)).Deleted);
    }
}
