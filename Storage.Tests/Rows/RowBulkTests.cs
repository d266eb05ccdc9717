using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>
/// The bulk paths: a multi-row insert (one batch on PostgreSQL) and the admin import (COPY on
/// PostgreSQL when every row lists the same columns). Both keep the one-row insert's behaviour:
/// ids in order, defaults per row, all or nothing, and an error that names the failing row.
/// </summary>
[TestClass]
public sealed class RowBulkTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<(IRowStore Store, IRowInspector Inspector, PluginId Plugin)> NewAsync(string backend)
    {
        var plugin = TestPlugins.New("bulk");
        await CreateItemsAsync(backend, plugin);
        return (TestBackends.Get<IRowStore>(backend), TestBackends.Get<IRowInspector>(backend), plugin);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_batch_keeps_each_rows_own_columns_and_defaults_and_returns_ids_in_order(string backend)
    {
        var (store, inspector, plugin) = await NewAsync(backend);
        var batch = await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""[{"name":"a"},{"name":"b","qty":5},{"name":"c","code":"x"}]""")), None);
        Assert.AreEqual("[1,2,3]", new JsonArray([.. batch.Ids!.Select(i => i?.DeepClone())]).ToJsonString());
        var rows = await ReadAsync(inspector, plugin);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, rows.Select(r => r["name"]!.GetValue<string>()).ToArray());
        Assert.IsNull(rows[0]["qty"]);
        Assert.AreEqual(5L, rows[1]["qty"]!.GetValue<long>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_unique_violation_in_a_batch_names_the_row_and_inserts_nothing(string backend)
    {
        var (store, inspector, plugin) = await NewAsync(backend);
        var error = await RowAssert.FailsAsync(StorageErrorCode.Conflict, "data[2]", () => store.InsertAsync(plugin,
            new RowInsertRequest("items", Json("""[{"name":"a","code":"x"},{"name":"b","code":"y"},{"name":"c","code":"x"}]""")), None));
        Assert.AreEqual("data[2]", error.Details["field"]);
        Assert.IsEmpty(await ReadAsync(inspector, plugin));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Import_writes_text_with_tabs_newlines_and_backslashes_and_every_type_exactly(string backend)
    {
        var (store, inspector, plugin) = await NewAsync(backend);
        const string row = """
            {"id":7,"name":"tab\there\nnew line \\ back\\nslash \\N","qty":-3,"price":12.5,"score":0.1,"active":false,
             "created_at":"2025-11-22T10:30:00.123456Z","day":"2025-11-22","tags":["a\tb",{"k":"\\"}],"meta":{"x":null},"code":null}
            """;
        var written = await inspector.ImportAsync(plugin, [new("items", [Json(row), Json(row.Replace("\"id\":7", "\"id\":9", StringComparison.Ordinal))])], None);
        Assert.AreEqual(2, written["items"]);
        var rows = await ReadAsync(inspector, plugin);
        Assert.HasCount(2, rows);
        Assert.AreEqual("tab\there\nnew line \\ back\\nslash \\N", rows[0]["name"]!.GetValue<string>());
        Assert.AreEqual("2025-11-22T10:30:00.123456Z", rows[0]["created_at"]!.GetValue<string>());
        Assert.AreEqual("""["a\tb",{"k":"\\"}]""", rows[0]["tags"]!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.IsNull(rows[0]["code"]);
        // The serial continues after the largest imported id.
        var next = await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"after"}""")), None);
        Assert.AreEqual(10L, next.Id!.GetValue<long>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_import_conflict_names_the_row_and_leaves_the_table_as_it_was(string backend)
    {
        var (store, inspector, plugin) = await NewAsync(backend);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"kept"}""")), None);
        var error = await RowAssert.FailsAsync(StorageErrorCode.Conflict, "tables.items[1]", () => inspector.ImportAsync(plugin,
            [new("items", [Json("""{"id":1,"name":"a","code":"x"}"""), Json("""{"id":2,"name":"b","code":"x"}""")])], None));
        Assert.AreEqual("tables.items[1]", error.Details["field"]);
        var rows = await ReadAsync(inspector, plugin);
        Assert.AreEqual("kept", rows.Single()["name"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Import_rows_with_different_columns_keep_defaults_and_a_type_error_names_the_field(string backend)
    {
        var (_, inspector, plugin) = await NewAsync(backend);
        await inspector.ImportAsync(plugin, [new("items", [Json("""{"id":1,"name":"a"}"""), Json("""{"id":2,"name":"b","qty":4}""")])], None);
        var rows = await ReadAsync(inspector, plugin);
        Assert.IsNull(rows[0]["qty"]);
        Assert.AreEqual(4L, rows[1]["qty"]!.GetValue<long>());
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "tables.items[1].qty", () => inspector.ImportAsync(plugin,
            [new("items", [Json("""{"id":1,"name":"a","qty":1}"""), Json("""{"id":2,"name":"b","qty":"four"}""")])], None));
        Assert.HasCount(2, await ReadAsync(inspector, plugin));
    }

    private static async Task<List<JsonObject>> ReadAsync(IRowInspector inspector, PluginId plugin)
    {
        var rows = new List<JsonObject>();
        await foreach (var row in inspector.ReadTableAsync(plugin, "items", None))
            rows.Add(row);
        return rows;
    }
}
