using System.Text.Json.Nodes;
using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

[TestClass]
public sealed class RowInsertSelectTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<(IRowStore Store, PluginId Plugin)> NewAsync(string backend)
    {
        var plugin = TestPlugins.New("r");
        await CreateItemsAsync(backend, plugin);
        return (TestBackends.Get<IRowStore>(backend), plugin);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Insert_then_select_by_id_returns_every_type_as_json(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        var inserted = await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""
            {"name":"a","qty":3,"price":2.5,"score":0.25,"active":true,"created_at":"2025-11-22T11:30:00+01:00",
             "day":"2025-11-22","tags":["x",{"y":1}],"meta":{"k":null},"code":"c1"}
            """)), None);
        Assert.AreEqual(1L, inserted.Id!.GetValue<long>());
        Assert.IsTrue(inserted.Created.GetValue<bool>());

        var selected = await store.SelectAsync(plugin, new RowSelectRequest("items", Id: Json("1")), None);
        Assert.IsTrue(selected.Exists);
        var row = selected.Row!;
        Assert.AreEqual("a", row["name"]!.GetValue<string>());
        Assert.AreEqual("3", row["qty"]!.ToJsonString());
        Assert.AreEqual(2.5m, decimal.Parse(row["price"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual("0.25", row["score"]!.ToJsonString());
        Assert.AreEqual("true", row["active"]!.ToJsonString());
        Assert.AreEqual("2025-11-22T10:30:00Z", row["created_at"]!.GetValue<string>());
        Assert.AreEqual("2025-11-22", row["day"]!.GetValue<string>());
        Assert.AreEqual("""["x",{"y":1}]""", row["tags"]!.ToJsonString());
        Assert.AreEqual("""{"k":null}""", row["meta"]!.ToJsonString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Null_columns_and_false_come_back_as_json_null_and_false(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"n","active":false,"qty":null}""")), None);
        var row = (await store.SelectAsync(plugin, new RowSelectRequest("items", Id: Json("1")), None)).Row!;
        Assert.AreEqual("false", row["active"]!.ToJsonString());
        Assert.IsTrue(row.ContainsKey("qty"));
        Assert.IsNull(row["qty"]);
        Assert.IsNull(row["tags"]);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Batch_insert_returns_ids_and_select_by_ids_keeps_their_order(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        var batch = await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""[{"name":"a"},{"name":"b"},{"name":"c"}]""")), None);
        Assert.AreEqual(3, batch.Created.GetValue<int>());
        Assert.AreEqual("[1,2,3]", new JsonArray([.. batch.Ids!.Select(i => i?.DeepClone())]).ToJsonString());
        Assert.IsNull(batch.Id);

        var rows = (await store.SelectAsync(plugin, new RowSelectRequest("items", Ids: Json("[3,1,99]")), None)).Rows!;
        CollectionAssert.AreEqual(new[] { "c", "a" }, rows.Select(r => r["name"]!.GetValue<string>()).ToArray());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_batch_with_one_bad_row_inserts_nothing(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await RowAssert.FailsAsync(StorageErrorCode.Conflict, () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""[{"name":"a","code":"x"},{"name":"b","code":"x"}]""")), None));
        var all = await store.SearchAsync(plugin, new RowSearchRequest("items", Count: true), None);
        Assert.AreEqual(0L, all.Total);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Select_of_a_missing_id_says_it_does_not_exist(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        var selected = await store.SelectAsync(plugin, new RowSelectRequest("items", Id: Json("42")), None);
        Assert.IsFalse(selected.Exists);
        Assert.IsNull(selected.Row);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Select_random_returns_that_many_matching_rows(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""[{"name":"a","qty":1},{"name":"b","qty":1},{"name":"c","qty":2},{"name":"d","qty":1}]""")), None);
        var picked = (await store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("""{"qty":1}"""), Random: 2), None)).Rows!;
        Assert.HasCount(2, picked);
        Assert.IsTrue(picked.All(r => r["qty"]!.GetValue<long>() == 1));
        Assert.AreNotEqual(picked[0]["id"]!.GetValue<long>(), picked[1]["id"]!.GetValue<long>());
        var one = (await store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("{}"), Random: 1), None)).Rows!;
        Assert.HasCount(1, one);
        var byFilter = (await store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("""{"qty":2}""")), None)).Rows!;
        Assert.AreEqual("c", byFilter.Single()["name"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Insert_errors_name_the_column(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'qty'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","qty":"three"}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'qty'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","qty":1.5}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'active'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","active":1}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'created_at'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","created_at":"yesterday"}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'nope'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","nope":1}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "data.name", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"qty":1}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":null}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.NotFound, "'nothing'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("nothing", Json("""{"name":"a"}""")), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_unique_violation_is_a_conflict(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","code":"dup"}""")), None);
        await RowAssert.FailsAsync(StorageErrorCode.Conflict, () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"b","code":"dup"}""")), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Select_needs_exactly_one_target_and_limits_hold(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () =>
            store.SelectAsync(plugin, new RowSelectRequest("items"), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () =>
            store.SelectAsync(plugin, new RowSelectRequest("items", Id: Json("1"), Filters: Json("{}")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "random", () =>
            store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("{}"), Random: 1001), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'id'", () =>
            store.SelectAsync(plugin, new RowSelectRequest("items", Id: Json("\"one\"")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "ids", () =>
            store.SelectAsync(plugin, new RowSelectRequest("items", Ids: Json("[]")), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Batch_and_select_limits_are_enforced_not_silently_applied(string backend)
    {
        var (store, plugin) = await NewAsync(backend);
        string Batch(int n) => "[" + string.Join(",", Enumerable.Repeat("""{"name":"x"}""", n)) + "]";
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "1000", () => store.InsertAsync(plugin, new RowInsertRequest("items", Json(Batch(1001))), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "data", () => store.InsertAsync(plugin, new RowInsertRequest("items", Json("[]")), None));
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json(Batch(1000))), None);
        Assert.HasCount(1000, (await store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("{}")), None)).Rows!);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"one more"}""")), None);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "more than 1000", () => store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("{}")), None));
        Assert.HasCount(1000, (await store.SelectAsync(plugin, new RowSelectRequest("items", Filters: Json("{}"), Random: 1000), None)).Rows!);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_empty_insert_uses_the_defaults(string backend)
    {
        var plugin = TestPlugins.New("r");
        await RunAsync(backend, plugin, backend == Backend.Postgres
            ? "CREATE TABLE counters (id serial PRIMARY KEY, n integer NOT NULL DEFAULT 7)"
            : "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 7)");
        var store = TestBackends.Get<IRowStore>(backend);
        var id = (await store.InsertAsync(plugin, new RowInsertRequest("counters", Json("{}")), None)).Id!;
        var row = (await store.SelectAsync(plugin, new RowSelectRequest("counters", Id: Json(id.ToJsonString())), None)).Row!;
        Assert.AreEqual(7L, row["n"]!.GetValue<long>());
    }
}
