using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvIsolationTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_same_key_in_two_plugins_holds_two_values(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var (one, two) = (TestPlugins.New(), TestPlugins.New());
        await store.SetAsync(one, new KvSetRequest("k", Json("\"one\"")), None);
        await store.SetAsync(two, new KvSetRequest("k", Json("\"two\"")), None);
        await store.IncrAsync(one, new KvIncrRequest("c", By: 10), None);
        Assert.AreEqual("\"one\"", (await store.GetAsync(one, new KvGetRequest("k"), None)).Value!.Value.GetRawText());
        Assert.AreEqual("\"two\"", (await store.GetAsync(two, new KvGetRequest("k"), None)).Value!.Value.GetRawText());
        Assert.AreEqual(1, (await store.IncrAsync(two, new KvIncrRequest("c"), None)).Value);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task List_and_delete_see_only_the_plugins_own_keys(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var (one, two) = (TestPlugins.New(), TestPlugins.New());
        await store.SetAsync(one, new KvSetRequest("shared", Json("1")), None);
        await store.SetAsync(one, new KvSetRequest("only-one", Json("1")), None);
        await store.SetAsync(two, new KvSetRequest("shared", Json("2")), None);
        CollectionAssert.AreEqual(new[] { "only-one", "shared" }, (await store.ListAsync(one, new KvListRequest(), None)).Keys.ToArray());
        CollectionAssert.AreEqual(new[] { "shared" }, (await store.ListAsync(two, new KvListRequest(), None)).Keys.ToArray());
        Assert.IsFalse((await store.DeleteAsync(two, new KvDeleteRequest("only-one"), None)).Deleted);
        Assert.IsTrue((await store.DeleteAsync(two, new KvDeleteRequest("shared"), None)).Deleted);
        Assert.IsTrue((await store.GetAsync(one, new KvGetRequest("shared"), None)).Exists);
        Assert.IsTrue((await store.GetAsync(one, new KvGetRequest("only-one"), None)).Exists);
    }
}
