using System.Globalization;
using Storage.Core;
using Storage.Kv;
using Storage.Kv.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

/// <summary>
/// SQLite gets of one plugin queued while its reader is busy are read in batches (one connection rented
/// per batch, one read transaction); these prove the batches keep plugins apart and bounded. What a
/// batch answers (values, missing and expired keys, cancellation) is in <see cref="KvGetBatchingTests"/>.
/// </summary>
[TestClass]
public sealed class SqliteKvReaderTests
{
    [TestMethod]
    public async Task A_plugin_flooding_gets_does_not_hold_up_another_plugins_get_behind_its_queue()
    {
        // Batches of one: the flood's reader goes back to the thread pool after every get.
        await using var kv = new KvStores(Backend.Sqlite, options => options.MaxGetBatch = 1);
        var (hostile, other) = (TestPlugins.New(), TestPlugins.New());
        await kv.Store.SetAsync(hostile, new KvSetRequest("k", Json("1")), None);
        await kv.Store.SetAsync(other, new KvSetRequest("k", Json("2")), None);
        var engine = kv.Get<IKvEngine>();
        var now = kv.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        var flood = Enumerable.Range(0, 20_000).Select(_ => engine.GetAsync(hostile, "k", now, None)).ToList();
        var before = flood.Count(get => get.IsCompleted);
        var mine = await engine.GetAsync(other, "k", now, None);

        // Answered while most of the flood still waits: the other plugin's reader did not queue behind it.
        var done = flood.Count(get => get.IsCompleted);
        Assert.AreEqual("2", System.Text.Encoding.UTF8.GetString(mine!.Value.Json));
        mine.Value.Return();
        Assert.IsLessThan((flood.Count - before) / 2, done - before, $"{before} answered before, {done} after the other plugin's get");
        foreach (var entry in await Task.WhenAll(flood))
            entry!.Value.Return();
    }

    [TestMethod]
    public async Task With_one_open_plugin_database_concurrent_gets_of_two_plugins_take_turns()
    {
        // A reader rents its connection per batch, so it never holds its plugin open against the other's gets.
        await using var kv = new KvStores(Backend.Sqlite, options => options.MaxGetBatch = 8, storage => storage.Sqlite.MaxOpenPlugins = 1);
        var plugins = new[] { TestPlugins.New(), TestPlugins.New() };
        for (var p = 0; p < plugins.Length; p++)
            for (var i = 0; i < 10; i++)
                await kv.Store.SetAsync(plugins[p], new KvSetRequest($"k{i}", Json($"{p * 100 + i}")), None);

        var gets = Enumerable.Range(0, 400).Select(i =>
            (Expected: (i % 2 * 100) + (i % 10), Reply: kv.Store.GetAsync(plugins[i % 2], new KvGetRequest($"k{i % 10}"), None))).ToList();

        foreach (var (expected, reply) in gets)
            Assert.AreEqual(expected, (await reply).Value!.Value.GetInt32());
    }

    [TestMethod]
    public async Task Gets_queued_behind_a_write_see_it_once_it_is_answered()
    {
        await using var kv = new KvStores(Backend.Sqlite);
        var plugin = TestPlugins.New();
        for (var round = 0; round < 20; round++)
        {
            var value = round.ToString(CultureInfo.InvariantCulture);
            await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json(value)), None);
            // Each batch reads a snapshot taken after its gets were queued, so none sees an older value.
            var gets = Enumerable.Range(0, 50).Select(_ => kv.Store.GetAsync(plugin, new KvGetRequest("k"), None)).ToList();
            foreach (var reply in await Task.WhenAll(gets))
                Assert.AreEqual(round, reply.Value!.Value.GetInt32());
        }
    }

    [TestMethod]
    public async Task A_lone_get_or_set_holds_no_reader_or_writer_once_it_is_answered()
    {
        // At 1,000 plugins round-robin almost every get is its own batch: its reader retires before the caller
        // resumes, instead of one more trip through the thread pool after it (docs/performance.md).
        await using var kv = new KvStores(Backend.Sqlite);
        var engine = (SqliteKvEngine)kv.Get<IKvEngine>();
        var plugins = Enumerable.Range(0, 20).Select(_ => TestPlugins.New()).ToList();
        var now = kv.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var plugin in plugins)
        {
            await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
            Assert.AreEqual((0, 0), engine.Drains, "after a set");
            var entry = await engine.GetAsync(plugin, "k", now, None);
            Assert.AreEqual((0, 0), engine.Drains, "after a get");
            entry!.Value.Return();
        }
    }
}
