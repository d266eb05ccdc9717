using Storage.Core;
using Storage.Kv;
using Storage.Kv.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvSweeperTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_sweeper_deletes_expired_rows_and_keeps_live_ones(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        for (var i = 0; i < 5; i++)
            await kv.Store.SetAsync(plugin, new KvSetRequest($"short{i}", Json("1"), Ttl: 1), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("long", Json("1"), Ttl: 3600), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("forever", Json("1")), None);
        Assert.AreEqual(7, await CountRowsAsync(kv.Database, plugin));

        kv.Clock.Advance(TimeSpan.FromSeconds(2));
        // Not asserting the returned count: on a shared PostgreSQL, a sweep of a parallel test may get here first.
        await kv.Get<KvSweeper>().SweepAllAsync(None);
        Assert.AreEqual(2, await CountRowsAsync(kv.Database, plugin));
        CollectionAssert.AreEqual(new[] { "forever", "long" }, (await kv.Store.ListAsync(plugin, new KvListRequest(), None)).Keys.ToArray());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_sweeper_survives_a_failing_plugin_and_sweeps_the_others(string backend)
    {
        await using var kv = new KvStores(backend);
        var (broken, healthy) = (TestPlugins.New(), TestPlugins.New());
        await kv.Store.SetAsync(broken, new KvSetRequest("k", Json("1"), Ttl: 1), None);
        await kv.Store.SetAsync(healthy, new KvSetRequest("k", Json("1"), Ttl: 1), None);
        // SQLite: the store remembers the table exists, so dropping it makes this plugin's sweep fail.
        // PostgreSQL (one service table): a trigger the test puts on it refuses deleting this plugin's rows.
        var trigger = $"fail_{broken.Value.Replace('-', '_')}";
        await using (var connection = await kv.Database.OpenServiceAsync(broken, None))
        await using (var drop = connection.CreateCommand(backend == Backend.Sqlite
            ? $"DROP TABLE {connection.Qualify(ServiceTables.Kv)}"
            : $"""
              CREATE FUNCTION _storage.{trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'broken'; END $$;
              CREATE TRIGGER {trigger} BEFORE DELETE ON _storage.kv FOR EACH ROW WHEN (OLD.plugin = '{broken}') EXECUTE FUNCTION _storage.{trigger}();
              """))
            await drop.ExecuteNonQueryAsync();
        try
        {
            kv.Clock.Advance(TimeSpan.FromSeconds(2));
            await kv.Get<KvSweeper>().SweepAllAsync(None);
            Assert.AreEqual(0, await CountRowsAsync(kv.Database, healthy));
        }
        finally
        {
            if (backend == Backend.Postgres)
            {
                await using var connection = await kv.Database.OpenServiceAsync(broken, None);
                await using var drop = connection.CreateCommand($"DROP TRIGGER {trigger} ON _storage.kv; DROP FUNCTION _storage.{trigger}()");
                await drop.ExecuteNonQueryAsync();
            }
        }
    }

    private static async Task<long> CountRowsAsync(IPluginDatabase database, PluginId plugin)
    {
        await using var connection = await database.OpenServiceAsync(plugin, None);
        await using var count = connection.Provider == StorageProvider.Postgres
            ? connection.CreateCommand($"SELECT count(*) FROM _storage.kv WHERE plugin = '{plugin}'")
            : connection.CreateCommand($"SELECT count(*) FROM {connection.Qualify(ServiceTables.Kv)}");
        return Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
