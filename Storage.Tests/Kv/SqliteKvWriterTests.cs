using System.Globalization;
using Microsoft.Data.Sqlite;
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
