using System.Data.Common;
using System.Text.Json;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Kv;
using Storage.Migrations;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// A hostile plugin runs every attack as a migration and, where it makes sense, as plain SQL on its
/// own write connection. Each must fail, and afterwards the victim plugin and the attacker's own
/// service state (journal, KV) must be exactly as before.
/// </summary>
[TestClass]
public sealed class HostilePluginTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public Task Every_postgres_attack_fails_and_nothing_is_harmed() => RunAsync(Backend.Postgres, PostgresAttacks.All, viaNats: false);

    [TestMethod]
    public Task Every_sqlite_attack_fails_and_nothing_is_harmed() => RunAsync(Backend.Sqlite, SqliteAttacks.All, viaNats: false);

    [TestMethod]
    public Task Every_postgres_attack_sent_through_nats_fails_and_nothing_is_harmed() => RunAsync(Backend.Postgres, PostgresAttacks.All, viaNats: true);

    [TestMethod]
    public Task Every_sqlite_attack_sent_through_nats_fails_and_nothing_is_harmed() => RunAsync(Backend.Sqlite, SqliteAttacks.All, viaNats: true);

    private static async Task RunAsync(string backend, Attack[] attacks, bool viaNats)
    {
        Assert.IsGreaterThanOrEqualTo(30, attacks.Select(a => a.Sql).Distinct().Count());
        var migrator = TestBackends.Get<IMigrator>(backend);
        var kv = TestBackends.Get<IKvStore>(backend);
        var database = TestBackends.Get<IPluginDatabase>(backend);
        var victim = TestPlugins.New("victim");
        var attacker = TestPlugins.New("attacker");
        await migrator.ApplyAsync(victim, Apply("001", "CREATE TABLE secrets (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO secrets VALUES (1, 'crown-jewels');"), None);
        await migrator.ApplyAsync(attacker, Apply("001", "CREATE TABLE mine (id INTEGER)"), None);
        await kv.SetAsync(victim, new KvSetRequest("k", JsonSerializer.SerializeToElement("victim-kv")), None);
        await kv.SetAsync(attacker, new KvSetRequest("k", JsonSerializer.SerializeToElement("attacker-kv")), None);
        var victimStatus = await migrator.StatusAsync(victim, None);
        var evilFile = Path.Combine(Path.GetTempPath(), $"evil-{Guid.NewGuid():N}");
        var names = Names(backend, victim, attacker, evilFile);

        var breaches = new List<string>();
        foreach (var attack in attacks)
        {
            var sql = attack.Render(names);
            if (viaNats)
            {
                var body = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["action"] = "apply",
                    ["migrations"] = new[] { new Dictionary<string, string> { ["version"] = "100", ["up"] = sql } },
                });
                var reply = await TestHosts.RequestAsync(backend, $"db.migrate.{attacker}", body);
                if (reply.ErrorCode != "MIGRATION_FAILED")
                    breaches.Add($"{attack.Name}: through NATS got {reply.Body}");
                continue;
            }
            try
            {
                await migrator.ApplyAsync(attacker, Apply("100", sql), None);
                breaches.Add($"{attack.Name}: succeeded as a migration");
            }
            catch (StorageException ex) when (ex.Code != StorageErrorCode.MigrationFailed)
            {
                breaches.Add($"{attack.Name}: failed as a migration with {ex.Code} instead of MIGRATION_FAILED: {ex.Message}");
            }
            catch (StorageException)
            {
                // Refused by the database: the expected outcome.
            }
            if (attack.Raw && await RawSucceedsAsync(database, attacker, sql))
                breaches.Add($"{attack.Name}: succeeded as plain plugin SQL");
        }

        Assert.IsEmpty(breaches, string.Join("\n", breaches));
        Assert.AreEqual("crown-jewels", await ScalarAsync(database, victim, "SELECT v FROM secrets WHERE id = 1"));
        Assert.AreEqual(1L, Convert.ToInt64(await ScalarAsync(database, victim, "SELECT count(*) FROM secrets"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual(JsonSerializer.Serialize(victimStatus, MigrationsJsonContext.Default.MigrationStatusResponse),
            JsonSerializer.Serialize(await migrator.StatusAsync(victim, None), MigrationsJsonContext.Default.MigrationStatusResponse));
        CollectionAssert.AreEqual(new[] { "001" }, (await migrator.StatusAsync(attacker, None)).Applied.Select(a => a.Version).ToArray());
        Assert.AreEqual("\"victim-kv\"", (await kv.GetAsync(victim, new KvGetRequest("k"), None)).Value!.Value.GetRawText());
        Assert.AreEqual("\"attacker-kv\"", (await kv.GetAsync(attacker, new KvGetRequest("k"), None)).Value!.Value.GetRawText());
        Assert.IsFalse(File.Exists(evilFile), "a file was written on the server");
        if (backend == Backend.Postgres)
        {
            Assert.AreEqual(0L, await ScalarAsync(database, victim, "SELECT count(*) FROM pg_roles WHERE rolname = 'planted'"));
            Assert.AreEqual(0L, await ScalarAsync(database, victim, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
            Assert.AreEqual(false, await ScalarAsync(database, victim, $"SELECT rolsuper FROM pg_roles WHERE rolname = '{PostgresNames.Role(attacker)}'"));
        }
    }

    private static async Task<bool> RawSucceedsAsync(IPluginDatabase database, PluginId plugin, string sql)
    {
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Write, None);
        try
        {
            await using var command = connection.CreateCommand(sql);
            await command.ExecuteNonQueryAsync(None);
            return true;
        }
        catch (DbException)
        {
            return false;
        }
    }

    private static async Task<object?> ScalarAsync(IPluginDatabase database, PluginId plugin, string sql)
    {
        // The plugin's own read connection: the service's connection never reads a plugin's tables.
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Read, None);
        await using var command = connection.CreateCommand(sql);
        return await command.ExecuteScalarAsync(None);
    }

    private static MigrationApplyRequest Apply(string version, string up) => new([new Migration(version, MigrationSql.Both(up))]);

    private static Dictionary<string, string> Names(string backend, PluginId victim, PluginId attacker, string evilFile) => new()
    {
        ["victim"] = PluginConnection.QuoteIdentifier(PostgresNames.Schema(victim)),
        ["victim_raw"] = PostgresNames.Schema(victim),
        ["victim_role"] = PluginConnection.QuoteIdentifier(PostgresNames.Role(victim)),
        ["self"] = PluginConnection.QuoteIdentifier(PostgresNames.Schema(attacker)),
        ["self_role"] = PluginConnection.QuoteIdentifier(PostgresNames.Role(attacker)),
        ["self_raw"] = PostgresNames.Schema(attacker),
        ["self_plugin"] = attacker.Value,
        ["service_role"] = new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres.AdminConnectionString()).Username!,
        ["victim_file"] = Path.Combine(TestEnvironment.SqliteDirectory, victim.Value + ".db"),
        ["evil_file"] = evilFile,
        ["backend"] = backend,
    };
}
