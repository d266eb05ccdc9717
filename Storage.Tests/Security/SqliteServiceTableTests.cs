using Microsoft.Data.Sqlite;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// SQLite: the authorizer refuses triggers, views and indexes on the service's <c>_storage_</c>
/// tables; if one got there anyway (an authorizer gap, simulated here with a raw connection), the
/// service refuses to use the tables instead of running the plugin's trigger on its own connection.
/// </summary>
[TestClass]
public sealed class SqliteServiceTableTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    [DataRow("CREATE TRIGGER planted BEFORE INSERT ON _storage_kv BEGIN INSERT INTO loot VALUES (NEW.key); END", "trigger 'planted'")]
    [DataRow("CREATE INDEX planted_index ON _storage_kv (value)", "index 'planted_index'")]
    [DataRow("CREATE VIEW planted_view AS SELECT * FROM _storage_kv", "view 'planted_view'")]
    public async Task An_object_planted_on_the_kv_table_fails_closed_naming_it(string plant, string named)
    {
        var plugin = TestPlugins.New("sqplant");
        // The journal is created first, as a plugin's first migration would; KV has not been used yet.
        await TestBackends.Get<IMigrator>(Backend.Sqlite).ApplyAsync(plugin,
            new MigrationApplyRequest([new Migration("001", MigrationSql.Both("CREATE TABLE loot (k TEXT)"))]), None);
        await PlantAsync(plugin, $"""
            CREATE TABLE IF NOT EXISTS _storage_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID;
            {plant};
            """);

        // A fresh provider: nothing of the file is cached, as after a restart.
        await using var services = TestBackends.Build(Backend.Sqlite);
        var kv = (IKvStore)services.GetService(typeof(IKvStore))!;
        var error = await Assert.ThrowsAsync<StorageException>(() => kv.SetAsync(plugin, new KvSetRequest("k", PluginSpy.Json("1")), None));
        Assert.AreEqual(StorageErrorCode.Forbidden, error.Code);
        Assert.Contains(named, error.Message);
        Assert.AreEqual(0L, await CountAsync(plugin, "SELECT count(*) FROM loot"));
        Assert.AreEqual(0L, await CountAsync(plugin, "SELECT count(*) FROM _storage_kv"));
    }

    [TestMethod]
    public async Task A_trigger_planted_on_the_journal_fails_the_next_migration_closed()
    {
        var plugin = TestPlugins.New("sqjournal");
        var migrator = TestBackends.Get<IMigrator>(Backend.Sqlite);
        await migrator.ApplyAsync(plugin, new MigrationApplyRequest([new Migration("001", MigrationSql.Both("CREATE TABLE loot (k TEXT)"))]), None);
        await PlantAsync(plugin, "CREATE TRIGGER planted AFTER INSERT ON _storage_migrations BEGIN INSERT INTO loot VALUES (NEW.version); END");

        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin,
            new MigrationApplyRequest([new Migration("002", MigrationSql.Both("CREATE TABLE more (k TEXT)"))]), None));
        Assert.AreEqual(StorageErrorCode.Forbidden, error.Code, error.Message);
        Assert.Contains("trigger 'planted'", error.Message);
        Assert.AreEqual(0L, await CountAsync(plugin, "SELECT count(*) FROM loot"));
    }

    [TestMethod]
    public async Task Service_connections_do_not_trust_the_schema()
    {
        var plugin = TestPlugins.New("sqtrust");
        await using var connection = await TestBackends.Get<IPluginDatabase>(Backend.Sqlite).OpenServiceAsync(plugin, None);
        await using var command = connection.CreateCommand("PRAGMA trusted_schema");
        Assert.AreEqual(0L, await command.ExecuteScalarAsync());
    }

    // Simulates an authorizer gap: a connection with no authorizer at all.
    private static async Task PlantAsync(PluginId plugin, string sql)
    {
        await using var raw = new SqliteConnection($"Data Source={Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db")};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAsync(PluginId plugin, string sql)
    {
        await using var raw = new SqliteConnection($"Data Source={Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db")};Pooling=False");
        await raw.OpenAsync();
        await using var command = raw.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
