using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>Names from requests only ever match the plugin's own catalog; values stay values.</summary>
[TestClass]
public sealed class RowSecurityTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hostile_table_names_are_not_found_and_change_nothing(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("h");
        var other = TestPlugins.New("h");
        await CreateItemsAsync(backend, plugin);
        await RunAsync(backend, other, $"CREATE TABLE secrets ({IdColumn(backend)}, v TEXT)");
        await store.InsertAsync(other, new RowInsertRequest("secrets", Json("""{"v":"s"}""")), None);
        // Touch the KV tier so its service table exists in the plugin's scope.
        await TestBackends.Get<Storage.Kv.IKvStore>(backend).SetAsync(plugin, new KvSetRequest("k", Json("1")), None);

        string[] names =
        [
            "items; DROP TABLE items", "items\"; DROP TABLE items; --", "\"items\"", "ITEMS", "secrets", $"plugin_{other}.secrets",
            "_storage_kv", "_storage_migrations", "sqlite_master", "sqlite_schema", "pg_class", "pg_catalog.pg_authid",
            "information_schema.tables", "_storage.plugins", "main.items", "items--",
        ];
        foreach (var name in names)
        {
            await RowAssert.FailsAsync(StorageErrorCode.NotFound, () => store.SearchAsync(plugin, new RowSearchRequest(name), None));
            await RowAssert.FailsAsync(StorageErrorCode.NotFound, () => store.DeleteAsync(plugin, new RowDeleteRequest(name, All: true), None));
            await RowAssert.FailsAsync(StorageErrorCode.NotFound, () => store.InsertAsync(plugin, new RowInsertRequest(name, Json("""{"v":"x"}""")), None));
        }
        Assert.HasCount(1, (await store.SearchAsync(other, new RowSearchRequest("secrets"), None)).Rows);
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"still here"}""")), None);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hostile_column_names_and_operators_are_invalid_requests(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("h");
        await CreateItemsAsync(backend, plugin);
        foreach (var column in new[] { "name; DROP TABLE items", "name\" = name OR \"1", "1=1", "id)--", "NAME", "rowid", "ctid" })
        {
            var quoted = System.Text.Json.JsonEncodedText.Encode(column).ToString();
            await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.SearchAsync(plugin, new RowSearchRequest("items", Filters: Json($$"""{"{{quoted}}":1}""")), None));
            await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.SearchAsync(plugin, new RowSearchRequest("items", Sort: Json($$"""{"field":"{{quoted}}"}""")), None));
            await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.SearchAsync(plugin, new RowSearchRequest("items", Fields: [column]), None));
            await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.InsertAsync(plugin, new RowInsertRequest("items", Json($$"""{"name":"x","{{quoted}}":1}""")), None));
            await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Data: Json($$"""{"{{quoted}}":1}""")), None));
        }
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.SearchAsync(plugin, new RowSearchRequest("items", Filters: Json("""{"name":{"$eq) OR (1=1":1}}""")), None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, () => store.UpdateAsync(plugin, new RowUpdateRequest("items", Id: Json("1"), Operations: Json("""{"$set = 1; --":{"name":"x"}}""")), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hostile_values_are_stored_and_matched_as_plain_values(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("h");
        await CreateItemsAsync(backend, plugin);
        string[] values = ["'; DROP TABLE items; --", "\" OR 1=1 --", "@p0", "$1", ":name", "\\", "%", "x'); DELETE FROM items; --", "ünï€ødé 🎉", "\u0001"];
        foreach (var value in values)
        {
            var encoded = System.Text.Json.JsonEncodedText.Encode(value).ToString();
            await store.InsertAsync(plugin, new RowInsertRequest("items", Json($$$"""{"name":"{{{encoded}}}","meta":{"v":"{{{encoded}}}"}}""")), None);
            var found = await store.SearchAsync(plugin, new RowSearchRequest("items", Filters: Json($$"""{"name":"{{encoded}}"}""")), None);
            Assert.AreEqual(value, found.Rows.Single()["name"]!.GetValue<string>());
            Assert.AreEqual(value, found.Rows.Single()["meta"]!["v"]!.GetValue<string>());
        }
        Assert.HasCount(values.Length, (await store.SearchAsync(plugin, new RowSearchRequest("items"), None)).Rows);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Two_plugins_with_the_same_table_name_see_only_their_own_rows(string backend)
    {
        var store = TestBackends.Get<IRowStore>(backend);
        var first = TestPlugins.New("i");
        var second = TestPlugins.New("i");
        await CreateItemsAsync(backend, first);
        await CreateItemsAsync(backend, second);
        await store.InsertAsync(first, new RowInsertRequest("items", Json("""[{"name":"first"},{"name":"first 2"}]""")), None);
        await store.InsertAsync(second, new RowInsertRequest("items", Json("""{"name":"second"}""")), None);
        Assert.AreEqual("second", (await store.SearchAsync(second, new RowSearchRequest("items"), None)).Rows.Single()["name"]!.GetValue<string>());
        Assert.AreEqual(2L, (await store.DeleteAsync(first, new RowDeleteRequest("items", All: true), None)).Deleted);
        Assert.HasCount(1, (await store.SearchAsync(second, new RowSearchRequest("items"), None)).Rows);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_table_created_after_first_use_is_found_without_a_notification(string backend)
    {
        var services = TestBackends.Get(backend);
        var store = TestBackends.Get<IRowStore>(backend);
        var plugin = TestPlugins.New("c");
        await CreateItemsAsync(backend, plugin);
        await store.SearchAsync(plugin, new RowSearchRequest("items"), None);
        var database = (IPluginDatabase)services.GetService(typeof(IPluginDatabase))!;
        await using (var connection = await database.OpenPluginAsync(plugin, PluginAccess.Schema, None))
        {
            await using var command = connection.CreateCommand($"CREATE TABLE later ({IdColumn(backend)}, v TEXT)");
            await command.ExecuteNonQueryAsync();
        }
        var id = await store.InsertAsync(plugin, new RowInsertRequest("later", Json("""{"v":"x"}""")), None);
        Assert.AreEqual(1L, id.Id!.GetValue<long>());
    }
}
