using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Kv;
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
    public async Task A_busy_plugins_wal_stays_within_the_checkpoint_setting()
    {
        const int pages = 3000;
        await using var kv = new KvStores(Backend.Sqlite, options => options.SqliteWriterCheckpointPages = pages);
        var plugin = TestPlugins.New();
        var value = Json($"\"{new string('x', 3000)}\"");
        var wal = Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db-wal");
        long largest = 0;
        for (var round = 0; round < 30; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
                kv.Store.SetAsync(plugin, new KvSetRequest($"k{round}-{i}", value), None)));
            largest = Math.Max(largest, new FileInfo(wal).Length);
        }
        // 30 x 200 values of ~3 KB are over 4,500 pages: the WAL grew past SQLite's default of 1000 pages
        // (plus a batch), and restarted once past the setting, so it never held much more than the
        // setting plus one batch (256 writes, ~200 pages at most here).
        Assert.IsGreaterThan(1500 * (4096L + 24), largest);
        Assert.IsLessThanOrEqualTo((pages + 400) * (4096L + 24), largest);
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
