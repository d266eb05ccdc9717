using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core.Internal;
using Storage.Kv;
using Storage.Migrations;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// Upgrading from the version that kept KV and journal in plugin schemas: service-owned old tables are
/// moved into <c>_storage</c> and dropped at bootstrap; a plugin-owned one is never read.
/// </summary>
[TestClass]
public sealed class LegacyBookkeepingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task Bootstrap_moves_service_owned_old_tables_and_leaves_plugin_owned_ones()
    {
        var database = $"legacy_{Guid.NewGuid().ToString("N")[..10]}";
        await using (var admin = await PluginSpy.AdminAsync())
            await PluginSpy.ScalarAsync(admin, $"CREATE DATABASE {database}");
        var connectionString = TestEnvironment.Postgres.AdminConnectionString(database);
        var (moved, planted) = (TestPlugins.New("old"), TestPlugins.New("planter"));
        await using (var first = TestBackends.Build(Backend.Postgres, o => o.Postgres.ConnectionString = connectionString))
        {
            await first.GetRequiredService<IKvStore>().SetAsync(moved, new KvSetRequest("new", PluginSpy.Json("1")), None);
            await first.GetRequiredService<IKvStore>().SetAsync(planted, new KvSetRequest("new", PluginSpy.Json("1")), None);
        }
        var (oldSchema, plantedSchema) = (Quote(PostgresNames.Schema(moved)), Quote(PostgresNames.Schema(planted)));
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            // What the previous version left: service-owned tables in the plugin's schema. Dropping one
            // bootstrap object makes the next start bootstrap again, as an upgrade does.
            await PluginSpy.ScalarAsync(admin, $"""
                CREATE TABLE {oldSchema}._storage_kv (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, revision bigint NOT NULL, expires_at bigint);
                INSERT INTO {oldSchema}._storage_kv VALUES ('legacy', '"kept"', 500, NULL);
                CREATE SEQUENCE {oldSchema}._storage_kv_revision;
                CREATE TABLE {oldSchema}._storage_migrations (version text PRIMARY KEY, position bigint NOT NULL, checksum text NOT NULL,
                    down_script text, applied_at timestamptz NOT NULL, duration_ms bigint NOT NULL);
                INSERT INTO {oldSchema}._storage_migrations VALUES ('001', 1, 'abc', NULL, now(), 3);
                SET ROLE {Quote(PostgresNames.Role(planted))};
                CREATE TABLE {plantedSchema}._storage_kv (key text, value text, revision bigint, expires_at bigint);
                INSERT INTO {plantedSchema}._storage_kv VALUES ('stolen', '"x"', 1, NULL);
                RESET ROLE;
                DROP FUNCTION _storage.relation_size(oid);
                """);
        }

        await using var second = TestBackends.Build(Backend.Postgres, o => o.Postgres.ConnectionString = connectionString);
        var kv = second.GetRequiredService<IKvStore>();
        var legacy = await kv.GetAsync(moved, new KvGetRequest("legacy"), None);
        Assert.AreEqual("\"kept\"", legacy.Value!.Value.GetRawText());
        Assert.IsGreaterThan(500L, (await kv.SetAsync(moved, new KvSetRequest("after", PluginSpy.Json("2")), None)).Revision);
        Assert.IsFalse((await kv.GetAsync(planted, new KvGetRequest("stolen"), None)).Exists);
        CollectionAssert.AreEqual(new[] { "001" }, (await second.GetRequiredService<IMigrator>().StatusAsync(moved, None)).Applied.Select(a => a.Version).ToArray());
        await using var check = new NpgsqlConnection(connectionString);
        await check.OpenAsync();
        Assert.AreEqual(0L, await PluginSpy.ScalarAsync(check, $"SELECT count(*) FROM pg_class WHERE relnamespace = '{oldSchema}'::regnamespace AND relname LIKE '\\_storage\\_%'"));
        Assert.AreEqual(1L, await PluginSpy.ScalarAsync(check, $"SELECT count(*) FROM {plantedSchema}._storage_kv"));
    }

    private static string Quote(string name) => Storage.Core.PluginConnection.QuoteIdentifier(name);
}
