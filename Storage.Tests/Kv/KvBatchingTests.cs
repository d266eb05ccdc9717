using System.Text.Json;
using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Kv;

/// <summary>Writes are batched into shared commits; these prove batching never mixes up or loses outcomes.</summary>
[TestClass]
public sealed class KvBatchingTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Concurrent_writes_to_many_keys_each_get_their_own_outcome(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var ct = CancellationToken.None;
        await store.SetAsync(plugin, new KvSetRequest("text", Json("\"x\"")), ct);

        var sets = Enumerable.Range(0, 200).Select(i => store.SetAsync(plugin, new KvSetRequest($"k{i:D3}", Json(i.ToString(System.Globalization.CultureInfo.InvariantCulture))), ct)).ToList();
        var badIncr = Assert.ThrowsExactlyAsync<StorageException>(() => store.IncrAsync(plugin, new KvIncrRequest("text"), ct));
        var overflow = store.SetAsync(plugin, new KvSetRequest("big", Json(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture))), ct)
            .ContinueWith(_ => store.IncrAsync(plugin, new KvIncrRequest("big"), ct)).Unwrap();
        var revisions = await Task.WhenAll(sets);

        Assert.AreEqual(StorageErrorCode.Conflict, (await badIncr).Code);
        Assert.AreEqual(StorageErrorCode.Conflict, (await Assert.ThrowsExactlyAsync<StorageException>(() => overflow)).Code);
        Assert.HasCount(200, revisions.Select(r => r.Revision).Distinct());
        for (var i = 0; i < 200; i += 37)
        {
            var got = await store.GetAsync(plugin, new KvGetRequest($"k{i:D3}"), ct);
            Assert.AreEqual(i, got.Value!.Value.GetInt32());
        }
        var listed = await store.ListAsync(plugin, new KvListRequest(Prefix: "k"), ct);
        Assert.HasCount(200, listed.Keys);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hundred_concurrent_increments_end_at_exactly_one_hundred(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => store.IncrAsync(plugin, new KvIncrRequest("n"), CancellationToken.None)));
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 100).Select(i => (long)i).ToList(), results.Select(r => r.Value).ToList());
        Assert.AreEqual(100, (await store.GetAsync(plugin, new KvGetRequest("n"), CancellationToken.None)).Value!.Value.GetInt64());
    }
}
