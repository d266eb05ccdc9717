using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvValidationTests
{
    private const int MaxValueBytes = 64 * 1024;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Empty_missing_and_overlong_keys_are_invalid_on_every_operation(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        foreach (var key in new[] { null, "", new string('k', 256), string.Concat(Enumerable.Repeat("😀", 256)), "a\0b", "\uD800" })
        {
            Func<Task>[] operations =
            [
                () => store.SetAsync(plugin, new KvSetRequest(key, Json("1")), None),
                () => store.GetAsync(plugin, new KvGetRequest(key), None),
                () => store.DeleteAsync(plugin, new KvDeleteRequest(key), None),
                () => store.IncrAsync(plugin, new KvIncrRequest(key), None),
            ];
            foreach (var operation in operations)
            {
                var error = await ExpectErrorAsync(StorageErrorCode.InvalidRequest, operation);
                Assert.AreEqual("key", error.Details["field"]);
            }
        }
        var tooLong = await ExpectErrorAsync(StorageErrorCode.InvalidRequest, () => store.GetAsync(plugin, new KvGetRequest(new string('k', 256)), None));
        StringAssert.Contains(tooLong.Message, "255");
        StringAssert.Contains(tooLong.Message, "256");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_set_without_a_value_is_invalid(string backend)
    {
        var error = await ExpectErrorAsync(StorageErrorCode.InvalidRequest,
            () => TestBackends.Get<IKvStore>(backend).SetAsync(TestPlugins.New(), new KvSetRequest("k", null), None));
        Assert.AreEqual("value", error.Details["field"]);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_negative_or_absurd_ttl_is_invalid_on_set_and_incr(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        foreach (var ttl in new[] { -1L, long.MinValue, long.MaxValue })
        {
            var set = await ExpectErrorAsync(StorageErrorCode.InvalidRequest, () => store.SetAsync(plugin, new KvSetRequest("k", Json("1"), Ttl: ttl), None));
            Assert.AreEqual("ttl", set.Details["field"]);
            var incr = await ExpectErrorAsync(StorageErrorCode.InvalidRequest, () => store.IncrAsync(plugin, new KvIncrRequest("k", Ttl: ttl), None));
            Assert.AreEqual("ttl", incr.Details["field"]);
        }
        Assert.IsFalse((await store.GetAsync(plugin, new KvGetRequest("k"), None)).Exists);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_value_over_the_limit_is_too_large_naming_limit_and_size(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        // A JSON string's serialized size counts its two quotes.
        await store.SetAsync(plugin, new KvSetRequest("fits", Json($"\"{new string('x', MaxValueBytes - 2)}\"")), None);
        var error = await ExpectErrorAsync(StorageErrorCode.TooLarge,
            () => store.SetAsync(plugin, new KvSetRequest("big", Json($"\"{new string('x', MaxValueBytes - 1)}\"")), None));
        StringAssert.Contains(error.Message, MaxValueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        StringAssert.Contains(error.Message, (MaxValueBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual("value", error.Details["field"]);
        // Multi-byte characters count as their UTF-8 bytes.
        await ExpectErrorAsync(StorageErrorCode.TooLarge, () => store.SetAsync(plugin, new KvSetRequest("big", Json($"\"{new string('é', MaxValueBytes / 2)}\"")), None));
        Assert.IsFalse((await store.GetAsync(plugin, new KvGetRequest("big"), None)).Exists);
        Assert.IsTrue((await store.GetAsync(plugin, new KvGetRequest("fits"), None)).Exists);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_value_limit_is_configurable(string backend)
    {
        await using var kv = new KvStores(backend, o => o.MaxValueBytes = 10);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("\"12345678\"")), None);
        var error = await ExpectErrorAsync(StorageErrorCode.TooLarge, () => kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("\"123456789\"")), None));
        StringAssert.Contains(error.Message, "at most 10 bytes");
        StringAssert.Contains(error.Message, "11 bytes");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, 0)]
    [DataRow(Backend.Sqlite, 10_001)]
    [DataRow(Backend.Sqlite, -1)]
    [DataRow(Backend.Postgres, 0)]
    [DataRow(Backend.Postgres, 10_001)]
    [DataRow(Backend.Postgres, -1)]
    public async Task A_list_limit_outside_1_to_10000_is_invalid_not_capped(string backend, int limit)
    {
        var error = await ExpectErrorAsync(StorageErrorCode.InvalidRequest,
            () => TestBackends.Get<IKvStore>(backend).ListAsync(TestPlugins.New(), new KvListRequest(Limit: limit), None));
        Assert.AreEqual("limit", error.Details["field"]);
        StringAssert.Contains(error.Message, "10000");
        StringAssert.Contains(error.Message, limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
