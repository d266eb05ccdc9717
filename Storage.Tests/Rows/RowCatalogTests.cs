using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>The catalog: refresh after schema changes, tables without an id, non-integer ids.</summary>
[TestClass]
public sealed class RowCatalogTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_column_added_by_a_migration_is_usable_after_the_schema_change_notice(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("c");
        await CreateItemsAsync(backend, plugin);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "'color'", () =>
            store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","color":"red"}""")), None));
        await RunAsync(backend, plugin, "ALTER TABLE items ADD COLUMN color TEXT");
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","color":"red"}""")), None);
        var found = await store.SearchAsync(plugin, new RowSearchRequest("items", Filters: Json("""{"color":"red"}""")), None);
        Assert.HasCount(1, found.Rows);
        await RunAsync(backend, plugin, "DROP TABLE items");
        await RowAssert.FailsAsync(StorageErrorCode.NotFound, () => store.SearchAsync(plugin, new RowSearchRequest("items"), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_table_without_a_primary_key_has_rows_but_no_ids(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("c");
        await RunAsync(backend, plugin, "CREATE TABLE events (kind TEXT NOT NULL, n INTEGER)");
        var inserted = await store.InsertAsync(plugin, new RowInsertRequest("events", Json("""{"kind":"a","n":1}""")), None);
        Assert.IsNull(inserted.Id);
        await store.InsertAsync(plugin, new RowInsertRequest("events", Json("""[{"kind":"b","n":2},{"kind":"c","n":3}]""")), None);
        var page = await store.SearchAsync(plugin, new RowSearchRequest("events", Sort: Json("""{"field":"n"}"""), Limit: 2), None);
        Assert.IsTrue(page.Truncated);
        Assert.IsNull(page.Next);
        Assert.AreEqual("a", page.Rows[0]["kind"]!.GetValue<string>());
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "primary key", () =>
            store.SelectAsync(plugin, new RowSelectRequest("events", Id: Json("1")), None));
        var updated = await store.UpdateAsync(plugin, new RowUpdateRequest("events", Filters: Json("""{"kind":"a"}"""), Operations: Json("""{"$inc":{"n":1}}""")), None);
        Assert.AreEqual(1L, updated.Updated);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Text_ids_work_for_select_update_upsert_and_delete(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("c");
        await RunAsync(backend, plugin, "CREATE TABLE settings (name TEXT PRIMARY KEY NOT NULL, value INTEGER, day DATE)");
        var inserted = await store.InsertAsync(plugin, new RowInsertRequest("settings", Json("""{"name":"volume","value":3,"day":"2025-02-03"}""")), None);
        Assert.AreEqual("volume", inserted.Id!.GetValue<string>());
        var upserted = await store.UpdateAsync(plugin, new RowUpdateRequest("settings", Id: Json("\"theme\""), Operations: Json("""{"$inc":{"value":2}}"""), Upsert: true), None);
        Assert.AreEqual("theme", upserted.UpsertedId!.GetValue<string>());
        await store.UpdateAsync(plugin, new RowUpdateRequest("settings", Id: Json("\"volume\""), Operations: Json("""{"$max":{"day":"2025-03-01"}}""")), None);
        var rows = (await store.SelectAsync(plugin, new RowSelectRequest("settings", Ids: Json("""["volume","theme"]""")), None)).Rows!;
        Assert.AreEqual("2025-03-01", rows[0]["day"]!.GetValue<string>());
        Assert.AreEqual(2L, rows[1]["value"]!.GetValue<long>());
        var early = await store.SearchAsync(plugin, new RowSearchRequest("settings", Filters: Json("""{"day":{"$lt":"2025-04-01"}}""")), None);
        Assert.HasCount(1, early.Rows);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "name", () =>
            store.InsertAsync(plugin, new RowInsertRequest("settings", Json("""{"value":1}""")), None));
        Assert.AreEqual(1L, (await store.DeleteAsync(plugin, new RowDeleteRequest("settings", Id: Json("\"theme\"")), None)).Deleted);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Timestamps_without_time_zone_are_kept_as_utc(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("c");
        await RunAsync(backend, plugin, $"CREATE TABLE log ({IdColumn(backend)}, at TIMESTAMP, amount NUMERIC(12,3), ratio REAL, big BIGINT)");
        await store.InsertAsync(plugin, new RowInsertRequest("log", Json("""{"at":"2025-11-22T11:30:00.25+01:00","amount":1234.5,"ratio":0.5,"big":9007199254740993}""")), None);
        var row = (await store.SelectAsync(plugin, new RowSelectRequest("log", Id: Json("1")), None)).Row!;
        Assert.AreEqual("2025-11-22T10:30:00.25Z", row["at"]!.GetValue<string>());
        Assert.AreEqual(1234.5, double.Parse(row["amount"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual("9007199254740993", row["big"]!.ToJsonString());
        var later = await store.SearchAsync(plugin, new RowSearchRequest("log", Filters: Json("""{"at":{"$gt":"2025-11-22T10:30:00Z"},"amount":{"$gte":1234.5}}""")), None);
        Assert.HasCount(1, later.Rows);
    }
}
