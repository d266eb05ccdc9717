using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Kv;
using Storage.Kv.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

/// <summary>
/// The SQLite writer answers its callers off its own thread and gathers the next batch while one
/// commits; these prove a reply still means committed, and that writes to one key keep their order.
/// </summary>
[TestClass]
public sealed class SqliteKvWriterTests
{
    [TestMethod]
    public async Task Concurrent_sets_are_in_the_file_once_they_are_answered()
    {
        var store = TestBackends.Get<IKvStore>(Backend.Sqlite);
        var plugin = TestPlugins.New();
        var sets = Enumerable.Range(0, 300).Select(i =>
            store.SetAsync(plugin, new KvSetRequest($"k{i:D3}", Json(i.ToString(CultureInfo.InvariantCulture))), None)).ToList();
        // As each reply arrives, a connection of its own (not the service's pool) must already see that write.
        var checkedEach = sets.Select((set, i) => set.ContinueWith(_ => ReadFile(plugin, $"k{i:D3}"), TaskScheduler.Default)).ToList();
        var revisions = await Task.WhenAll(sets);

        var seen = await Task.WhenAll(checkedEach);
        for (var i = 0; i < seen.Length; i++)
            Assert.AreEqual(i.ToString(CultureInfo.InvariantCulture), seen[i], $"k{i:D3}");
        Assert.HasCount(300, revisions.Select(r => r.Revision).Distinct());
    }

    [TestMethod]
    public async Task Sets_of_one_key_commit_in_the_order_they_were_made()
    {
        var store = TestBackends.Get<IKvStore>(Backend.Sqlite);
        var plugin = TestPlugins.New();
        // Each call queues its write before it returns, so this is the order the writer sees.
        var sets = Enumerable.Range(0, 200).Select(i =>
            store.SetAsync(plugin, new KvSetRequest("k", Json(i.ToString(CultureInfo.InvariantCulture))), None)).ToList();
        var revisions = (await Task.WhenAll(sets)).Select(r => r.Revision).ToList();

        CollectionAssert.AreEqual(revisions.Order().ToList(), revisions);
        Assert.AreEqual("199", ReadFile(plugin, "k"));
        Assert.AreEqual(199, (await store.GetAsync(plugin, new KvGetRequest("k"), None)).Value!.Value.GetInt32());
    }

    [TestMethod]
    public async Task Writes_of_every_kind_to_one_key_queued_together_each_see_the_ones_before()
    {
        // Sets run on statements prepared on SQLite's own API, the other kinds through commands, in one transaction.
        var store = TestBackends.Get<IKvStore>(Backend.Sqlite);
        var plugin = TestPlugins.New();
        var first = (await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None)).Revision;

        var ifRevision = store.SetAsync(plugin, new KvSetRequest("k", Json("2"), IfRevision: first), None);
        var ifAbsentLive = store.SetAsync(plugin, new KvSetRequest("k", Json("5"), IfAbsent: true), None);
        var incr = store.IncrAsync(plugin, new KvIncrRequest("k"), None);
        var delete = store.DeleteAsync(plugin, new KvDeleteRequest("k"), None);
        var ifAbsentGone = store.SetAsync(plugin, new KvSetRequest("k", Json("\"\\u00e9 x\""), Ttl: 3600, IfAbsent: true), None);
        var other = store.SetAsync(plugin, new KvSetRequest("k2", Json("{ \"a\" : 1.50 }")), None);

        Assert.AreEqual(first + 1, (await ifRevision).Revision);
        Assert.AreEqual(StorageErrorCode.Conflict, (await Assert.ThrowsExactlyAsync<StorageException>(() => ifAbsentLive)).Code);
        Assert.AreEqual(new KvIncrResponse(3, first + 2), await incr);
        Assert.IsTrue((await delete).Deleted);
        Assert.AreEqual(first + 3, (await ifAbsentGone).Revision);
        Assert.AreEqual(first + 4, (await other).Revision);
        Assert.AreEqual("\"\\u00e9 x\"", ReadFile(plugin, "k"));
        Assert.AreEqual("{ \"a\" : 1.50 }", ReadFile(plugin, "k2"));
        var got = await store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.AreEqual(first + 3, got.Revision);
        Assert.IsNotNull(got.ExpiresAt);
    }

    [TestMethod]
    public async Task The_writer_gives_its_connection_back_with_sqlites_own_checkpoint_threshold()
    {
        await using var kv = new KvStores(Backend.Sqlite, options => options.SqliteWriterCheckpointPages = 5000);
        var plugin = TestPlugins.New();
        // One write at a time: the plugin's pool holds only the connection the writer used.
        for (var i = 0; i < 3; i++)
            await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);

        await using var connection = await kv.Database.OpenServiceAsync(plugin, None);
        await using var command = connection.CreateCommand("PRAGMA wal_autocheckpoint");
        Assert.AreEqual(1000L, Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public async Task A_busy_plugins_wal_stays_bounded_with_checkpoints_beside_the_writer()
    {
        const int pages = 1000;
        await using var kv = new KvStores(Backend.Sqlite, options => options.SqliteWriterCheckpointPages = pages);
        var largest = await WriteManyAsync(kv, TestPlugins.New());

        // 30 x 200 values of ~3 KB are over 6,000 pages: more than the setting, so checkpoints ran beside
        // the writer, and the WAL restarted by the hard bound (4 x the setting) at the latest, so it never
        // held much more than that plus one batch (256 writes, ~300 pages here).
        var engine = (SqliteKvEngine)kv.Get<IKvEngine>();
        Assert.IsGreaterThan(0, engine.Checkpoints.Background);
        Assert.IsGreaterThan(pages * (4096L + 24), largest);
        Assert.IsLessThanOrEqualTo((SqliteKvCheckpoints.CapFactor * pages + 600) * (4096L + 24), largest);
    }

    [TestMethod]
    public async Task Without_a_connection_for_background_checkpoints_the_writer_bounds_the_wal_itself()
    {
        const int pages = 1000;
        // The writer holds the plugin's only connection, so a background checkpoint never gets one while it writes.
        await using var kv = new KvStores(Backend.Sqlite, options => options.SqliteWriterCheckpointPages = pages,
            storage => storage.Sqlite.MaxConnectionsPerPlugin = 1);
        var largest = await WriteManyAsync(kv, TestPlugins.New());

        var engine = (SqliteKvEngine)kv.Get<IKvEngine>();
        Assert.IsGreaterThan(0, engine.Checkpoints.Writer);
        Assert.IsLessThanOrEqualTo((SqliteKvCheckpoints.CapFactor * pages + 600) * (4096L + 24), largest);
    }

    [TestMethod]
    public async Task While_the_writer_holds_its_connection_its_commits_do_not_checkpoint()
    {
        await using var kv = new KvStores(Backend.Sqlite);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        // The writer's connection is the plugin's only idle one now: take it as the writer does.
        await using var connection = await kv.Database.OpenServiceAsync(plugin, None);
        SqliteKvCheckpoints.Hold(connection);
        Assert.AreEqual(0L, await ScalarAsync(connection, "PRAGMA wal_autocheckpoint"));
        SqliteKvCheckpoints.Release(connection);
        Assert.AreEqual(1000L, await ScalarAsync(connection, "PRAGMA wal_autocheckpoint"));
    }

    // 30 rounds of 200 concurrent sets of ~3 KB values; returns the largest size the WAL file reached.
    private static async Task<long> WriteManyAsync(KvStores kv, PluginId plugin)
    {
        var value = Json($"\"{new string('x', 3000)}\"");
        var wal = Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db-wal");
        long largest = 0;
        for (var round = 0; round < 30; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
                kv.Store.SetAsync(plugin, new KvSetRequest($"k{round}-{i}", value), None)));
            largest = Math.Max(largest, new FileInfo(wal).Length);
        }
        foreach (var key in new[] { "k0-0", "k15-100", "k29-199" })
            Assert.AreEqual(3002, (await kv.Store.GetAsync(plugin, new KvGetRequest(key), None)).Value!.Value.GetRawText().Length, key);
        return largest;
    }

    private static async Task<long> ScalarAsync(PluginConnection connection, string sql)
    {
        await using var command = connection.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    [TestMethod]
    [DataRow(999)]
    [DataRow(100_001)]
    public void A_checkpoint_setting_outside_1000_to_100000_is_refused_at_start(int pagesSetting)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPluginStorage(options => TestBackends.Configure(Backend.Sqlite, options)).AddKv(options => options.SqliteWriterCheckpointPages = pagesSetting);
        using var provider = services.BuildServiceProvider();
        var error = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KvOptions>>().Value);
        StringAssert.Contains(error.Message, nameof(KvOptions.SqliteWriterCheckpointPages));
    }

    private static string? ReadFile(PluginId plugin, string key)
    {
        var file = Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db");
        using var raw = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT value FROM {ServiceTables.Kv} WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }
}
