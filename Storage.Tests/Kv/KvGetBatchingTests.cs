using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Kv;
using Storage.Kv.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

/// <summary>
/// Concurrent gets share reads: on PostgreSQL one statement for the gets of every plugin waiting at that
/// moment, on SQLite one read transaction for the gets of one plugin queued while its reader was busy;
/// these prove a batch never mixes up plugins, keys, expiry or cancellation.
/// </summary>
[TestClass]
public sealed class KvGetBatchingTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Concurrent_gets_across_plugins_each_return_their_own_plugins_value(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugins = Enumerable.Range(0, 4).Select(_ => TestPlugins.New()).ToList();
        foreach (var plugin in plugins)
        {
            // The same key "k" in every plugin, with a value naming its plugin.
            await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json($"\"{plugin.Value}\"")), None);
            for (var i = 0; i < 20; i++)
                await kv.Store.SetAsync(plugin, new KvSetRequest($"k{i}", Json($"\"{plugin.Value}/{i}\"")), None);
        }
        var missing = kv.Store.GetAsync(plugins[0], new KvGetRequest("only-elsewhere"), None);
        await kv.Store.SetAsync(plugins[1], new KvSetRequest("only-elsewhere", Json("1")), None);

        var gets = new List<(PluginId Plugin, string Key, Task<KvGetResponse> Reply)>();
        for (var round = 0; round < 5; round++)
            for (var i = -1; i < 20; i++)
                foreach (var plugin in plugins)
                {
                    var key = i < 0 ? "k" : $"k{i}";
                    gets.Add((plugin, key, kv.Store.GetAsync(plugin, new KvGetRequest(key), None)));
                }
        var absent = Enumerable.Range(0, 20).Select(_ => kv.Store.GetAsync(plugins[0], new KvGetRequest("only-elsewhere"), None)).ToList();
        await Task.WhenAll(gets.Select(g => g.Reply));

        foreach (var (plugin, key, reply) in gets)
        {
            var expected = key == "k" ? plugin.Value : $"{plugin.Value}/{key[1..]}";
            Assert.AreEqual(expected, (await reply).Value!.Value.GetString(), $"{plugin.Value}:{key}");
        }
        Assert.IsFalse((await missing).Exists);
        foreach (var reply in await Task.WhenAll(absent))
            Assert.IsFalse(reply.Exists);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_expired_key_is_invisible_in_a_batched_get(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("gone", Json("1"), Ttl: 10), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("later", Json("2"), Ttl: 20), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("kept", Json("3")), None);
        kv.Clock.Advance(TimeSpan.FromSeconds(10));

        var gets = Enumerable.Range(0, 60).Select(i => (Key: (i % 3) switch { 0 => "gone", 1 => "later", _ => "kept" }, Reply: kv.Store.GetAsync(plugin, new KvGetRequest((i % 3) switch { 0 => "gone", 1 => "later", _ => "kept" }), None))).ToList();
        await Task.WhenAll(gets.Select(g => g.Reply));

        foreach (var (key, reply) in gets)
            Assert.AreEqual(key != "gone", (await reply).Exists, key);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Cancelled_gets_among_others_leave_the_others_answered(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        for (var i = 0; i < 10; i++)
            await kv.Store.SetAsync(plugin, new KvSetRequest($"k{i}", Json(i.ToString(CultureInfo.InvariantCulture))), None);
        using var cancel = new CancellationTokenSource();

        var gets = Enumerable.Range(0, 200).Select(i =>
        {
            var token = i % 4 == 0 ? cancel.Token : None;
            return (Index: i, Cancellable: i % 4 == 0, Reply: kv.Store.GetAsync(plugin, new KvGetRequest($"k{i % 10}"), token));
        }).ToList();
        await cancel.CancelAsync();

        foreach (var (index, cancellable, reply) in gets)
        {
            if (cancellable)
            {
                // Either answered before the cancel or cancelled; never a wrong value or another error.
                try
                {
                    Assert.AreEqual(index % 10, (await reply).Value!.Value.GetInt32());
                }
                catch (OperationCanceledException)
                {
                }
                continue;
            }
            Assert.AreEqual(index % 10, (await reply).Value!.Value.GetInt32());
        }
        // And the next gets go through as usual.
        Assert.AreEqual(3, (await kv.Store.GetAsync(plugin, new KvGetRequest("k3"), None)).Value!.Value.GetInt32());
    }

    [TestMethod]
    public async Task On_postgres_a_statement_error_fails_only_the_get_that_caused_it()
    {
        await using var kv = new KvStores(Backend.Postgres);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("7")), None);
        var engine = kv.Get<IKvEngine>();
        var now = kv.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        // The tier refuses NUL in keys up front; past that guard PostgreSQL rejects it (22021) in whatever batch it lands in.
        var good = Enumerable.Range(0, 100).Select(_ => engine.GetAsync(plugin, "k", now, None)).ToList();
        var bad = engine.GetAsync(plugin, "bad\0key", now, None);
        good.AddRange(Enumerable.Range(0, 100).Select(_ => engine.GetAsync(plugin, "k", now, None)));

        foreach (var entry in await Task.WhenAll(good))
        {
            Assert.AreEqual("7", System.Text.Encoding.UTF8.GetString(entry!.Value.Json));
            entry.Value.Return();
        }
        var error = await Assert.ThrowsExactlyAsync<StorageException>(() => bad);
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code, error.Message);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task With_a_batch_cap_of_one_every_get_still_gets_its_value(string backend)
    {
        await using var kv = new KvStores(backend, options => options.MaxGetBatch = 1);
        var plugin = TestPlugins.New();
        for (var i = 0; i < 10; i++)
            await kv.Store.SetAsync(plugin, new KvSetRequest($"k{i}", Json(i.ToString(CultureInfo.InvariantCulture))), None);
        var gets = Enumerable.Range(0, 100).Select(i => kv.Store.GetAsync(plugin, new KvGetRequest($"k{i % 10}"), None)).ToList();
        var replies = await Task.WhenAll(gets);
        for (var i = 0; i < replies.Length; i++)
            Assert.AreEqual(i % 10, replies[i].Value!.Value.GetInt32());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(10_001)]
    public void A_get_batch_cap_outside_1_to_10000_is_refused_at_start(int cap)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPluginStorage(options => TestBackends.Configure(Backend.Postgres, options)).AddKv(options => options.MaxGetBatch = cap);
        using var provider = services.BuildServiceProvider();
        var error = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KvOptions>>().Value);
        StringAssert.Contains(error.Message, nameof(KvOptions.MaxGetBatch));
    }
}
