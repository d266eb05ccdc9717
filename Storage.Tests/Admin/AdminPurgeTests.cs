using Npgsql;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Admin;

/// <summary><c>db.admin.purge.&lt;plugin&gt;</c>: everything goes, the service stays healthy, the plugin can start again.</summary>
[TestClass]
public sealed class AdminPurgeTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite, """{}""")]
    [DataRow(Backend.Sqlite, """{"confirm":"someone-else"}""")]
    [DataRow(Backend.Postgres, """{"confirm":null}""")]
    [DataRow(Backend.Postgres, """{"confirm":"ADM"}""")]
    public async Task Purge_without_the_plugins_name_as_confirm_is_refused_and_deletes_nothing(string backend, string body)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);

        var reply = await TestHosts.RequestAsync(backend, $"db.admin.purge.{plugin}", body);

        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
        Assert.AreEqual("confirm", reply.Body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        var storage = await AdminTestData.SucceedAsync(backend, $"db.admin.storage.{plugin}", "{}");
        Assert.AreEqual(3, storage["kv_keys"].GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Purge_deletes_everything_and_the_plugin_starts_again_from_scratch(string backend)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);
        await AdminTestData.SucceedAsync(backend, $"db.sql.{plugin}.query", """{"query":"SELECT count(*) AS n FROM quotes"}""");

        var purge = await AdminTestData.SucceedAsync(backend, $"db.admin.purge.{plugin}", $$"""{"confirm":"{{plugin}}"}""");

        Assert.IsTrue(purge["purged"].GetBoolean());
        var stats = await AdminTestData.SucceedAsync(backend, $"db.sql.{plugin}.stats", "{}");
        Assert.AreEqual("[]", stats["queries"].GetRawText());
        Assert.AreEqual("NOT_FOUND", (await TestHosts.RequestAsync(backend, $"db.admin.storage.{plugin}", "{}")).ErrorCode);
        var plugins = await AdminTestData.SucceedAsync(backend, "db.admin.plugins", "{}");
        Assert.IsFalse(plugins["plugins"].EnumerateArray().Any(p => p.GetProperty("plugin").GetString() == plugin.Value));
        await AssertNothingLeftAsync(backend, plugin);

        // Used again: the old key is gone, KV works, the migration applies anew, rows can be inserted.
        var old = await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.get", """{"key":"a1"}""");
        Assert.IsFalse(old["exists"].GetBoolean());
        await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"fresh","value":1}""");
        var apply = await AdminTestData.SucceedAsync(backend, $"db.migrate.{plugin}", $$"""{"action":"apply","migrations":{{AdminTestData.Migration}}}""");
        Assert.AreEqual("""["001"]""", apply["applied"].GetRawText());
        await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.insert", """{"table":"quotes","data":{"id":1,"text":"again"}}""");
        var storage = await AdminTestData.SucceedAsync(backend, $"db.admin.storage.{plugin}", "{}");
        Assert.AreEqual(1, storage["kv_keys"].GetInt64());
        Assert.AreEqual("""[{"name":"quotes","rows":1}]""", storage["tables"].GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Purging_a_plugin_without_storage_reports_purged_false(string backend)
    {
        var plugin = TestPlugins.New("adm");

        var purge = await AdminTestData.SucceedAsync(backend, $"db.admin.purge.{plugin}", $$"""{"confirm":"{{plugin}}"}""");

        Assert.IsFalse(purge["purged"].GetBoolean());
    }

    private static async Task AssertNothingLeftAsync(string backend, PluginId plugin)
    {
        if (backend == Backend.Sqlite)
        {
            var file = Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db");
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                Assert.IsFalse(File.Exists(path), path);
            return;
        }
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres.AdminConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = @name)
                 + (SELECT count(*) FROM pg_roles WHERE rolname = @name)
                 + (SELECT count(*) FROM _storage.plugins WHERE plugin = @plugin)
                 + (SELECT count(*) FROM _storage.migration_locks WHERE schema_name = @name)
            """, connection);
        command.Parameters.AddWithValue("name", "plugin_" + plugin.Value);
        command.Parameters.AddWithValue("plugin", plugin.Value);
        Assert.AreEqual(0L, await command.ExecuteScalarAsync());
    }
}
