using System.Text.Json;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Admin;

/// <summary><c>db.admin.plugins|storage|kv|migrations</c> end to end through NATS, on both backends.</summary>
[TestClass]
public sealed class AdminInspectorTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Storage_reports_tables_with_row_counts_kv_keys_and_bytes(string backend)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);

        var storage = await AdminTestData.SucceedAsync(backend, $"db.admin.storage.{plugin}", "{}");

        Assert.AreEqual(plugin.Value, storage["plugin"].GetString());
        Assert.AreEqual(backend, storage["provider"].GetString());
        Assert.AreEqual(3, storage["kv_keys"].GetInt64());
        Assert.IsGreaterThan(0, storage["bytes"].GetInt64());
        // The service's _storage_ tables are not plugin tables.
        Assert.AreEqual("""[{"name":"quotes","rows":3}]""", storage["tables"].GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Plugins_lists_plugins_with_data_and_their_sizes(string backend)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);

        var reply = await AdminTestData.SucceedAsync(backend, "db.admin.plugins", "");

        var entry = reply["plugins"].EnumerateArray().Single(p => p.GetProperty("plugin").GetString() == plugin.Value);
        Assert.IsGreaterThan(0, entry.GetProperty("bytes").GetInt64());
        var names = reply["plugins"].EnumerateArray().Select(p => p.GetProperty("plugin").GetString()!).ToList();
        CollectionAssert.AreEqual(names.Order(StringComparer.Ordinal).ToList(), names);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Inspecting_an_unknown_plugin_is_not_found_and_creates_nothing(string backend)
    {
        var plugin = TestPlugins.New("adm");
        foreach (var subject in new[] { "storage", "kv", "migrations", "export" })
        {
            var reply = await TestHosts.RequestAsync(backend, $"db.admin.{subject}.{plugin}", "{}");
            Assert.AreEqual("NOT_FOUND", reply.ErrorCode, $"{subject}: {reply.Body}");
        }
        var plugins = await AdminTestData.SucceedAsync(backend, "db.admin.plugins", "{}");
        Assert.IsFalse(plugins["plugins"].EnumerateArray().Any(p => p.GetProperty("plugin").GetString() == plugin.Value));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Kv_lists_keys_with_the_kv_list_options(string backend)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);

        var page = await AdminTestData.SucceedAsync(backend, $"db.admin.kv.{plugin}", """{"prefix":"a","limit":1}""");
        Assert.AreEqual("""["a1"]""", page["keys"].GetRawText());
        Assert.IsTrue(page["truncated"].GetBoolean());
        var rest = await AdminTestData.SucceedAsync(backend, $"db.admin.kv.{plugin}", $$"""{"prefix":"a","after":"{{page["next"].GetString()}}"}""");
        Assert.AreEqual("""["a2"]""", rest["keys"].GetRawText());
        var all = await AdminTestData.SucceedAsync(backend, $"db.admin.kv.{plugin}", "{}");
        Assert.AreEqual("""["a1","a2","b1"]""", all["keys"].GetRawText());

        var bad = await TestHosts.RequestAsync(backend, $"db.admin.kv.{plugin}", """{"limit":0}""");
        Assert.AreEqual("INVALID_REQUEST", bad.ErrorCode);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Migrations_shows_the_history(string backend)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);

        var history = await AdminTestData.SucceedAsync(backend, $"db.admin.migrations.{plugin}", "{}");

        Assert.AreEqual("001", history["current"].GetString());
        Assert.AreEqual("001", history["applied"][0].GetProperty("version").GetString());
    }

    [TestMethod]
    [DataRow("db.admin.storage.Bad")]
    [DataRow("db.admin.purge.9x")]
    public async Task An_invalid_plugin_token_is_refused(string subject)
    {
        var reply = await TestHosts.RequestAsync(Backend.Sqlite, subject, """{"confirm":"x"}""");
        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode);
        Assert.AreEqual(JsonValueKind.String, reply.Body.GetProperty("error").GetProperty("message").ValueKind);
    }
}
