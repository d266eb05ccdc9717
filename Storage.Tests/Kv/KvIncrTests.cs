using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvIncrTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Incr_starts_a_missing_key_at_zero_and_adds_one_by_default(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var first = await store.IncrAsync(plugin, new KvIncrRequest("c"), None);
        var second = await store.IncrAsync(plugin, new KvIncrRequest("c"), None);
        Assert.AreEqual(1, first.Value);
        Assert.AreEqual(2, second.Value);
        Assert.IsGreaterThan(first.Revision, second.Revision);
        var got = await store.GetAsync(plugin, new KvGetRequest("c"), None);
        Assert.AreEqual("2", got.Value!.Value.GetRawText());
        Assert.AreEqual(second.Revision, got.Revision);
        Assert.AreEqual(5, (await store.IncrAsync(plugin, new KvIncrRequest("other", By: 5), None)).Value);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Incr_by_a_negative_or_zero_amount_works_on_a_set_integer(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        await store.SetAsync(plugin, new KvSetRequest("c", Json("10")), None);
        Assert.AreEqual(3, (await store.IncrAsync(plugin, new KvIncrRequest("c", By: -7), None)).Value);
        Assert.AreEqual(-4, (await store.IncrAsync(plugin, new KvIncrRequest("c", By: -7), None)).Value);
        Assert.AreEqual(-4, (await store.IncrAsync(plugin, new KvIncrRequest("c", By: 0), None)).Value);
        await store.SetAsync(plugin, new KvSetRequest("neg", Json("-5")), None);
        Assert.AreEqual(-3, (await store.IncrAsync(plugin, new KvIncrRequest("neg", By: 2), None)).Value);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hundred_concurrent_incr_end_at_exactly_hundred(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => store.IncrAsync(plugin, new KvIncrRequest("c"), None))));
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 100).Select(i => (long)i).ToArray(), results.Select(r => r.Value).ToArray());
        Assert.AreEqual(100, results.Select(r => r.Revision).Distinct().Count());
        Assert.AreEqual("100", (await store.GetAsync(plugin, new KvGetRequest("c"), None)).Value!.Value.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Incr_on_a_value_that_is_not_an_integer_is_a_conflict(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        string[] notIntegers = ["\"5\"", "1.5", "1.0", "1e3", "true", "null", "[1]", "{\"a\":1}", "99999999999999999999"];
        foreach (var value in notIntegers)
        {
            await store.SetAsync(plugin, new KvSetRequest("v", Json(value)), None);
            var error = await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.IncrAsync(plugin, new KvIncrRequest("v"), None));
            StringAssert.Contains(error.Message, "integer", value);
            Assert.AreEqual(value, (await store.GetAsync(plugin, new KvGetRequest("v"), None)).Value!.Value.GetRawText());
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Incr_past_the_64_bit_range_is_a_conflict_and_changes_nothing(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        await store.SetAsync(plugin, new KvSetRequest("max", Json(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture))), None);
        await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.IncrAsync(plugin, new KvIncrRequest("max"), None));
        await store.SetAsync(plugin, new KvSetRequest("min", Json(long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture))), None);
        await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.IncrAsync(plugin, new KvIncrRequest("min", By: -1), None));
        Assert.AreEqual(long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (await store.GetAsync(plugin, new KvGetRequest("max"), None)).Value!.Value.GetRawText());
        Assert.AreEqual(long.MaxValue, (await store.IncrAsync(plugin, new KvIncrRequest("fresh", By: long.MaxValue), None)).Value);
    }
}
