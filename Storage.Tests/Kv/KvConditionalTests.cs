using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvConditionalTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task If_absent_writes_a_new_key_and_refuses_an_existing_one(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var created = await store.SetAsync(plugin, new KvSetRequest("k", Json("1"), IfAbsent: true), None);
        var error = await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.SetAsync(plugin, new KvSetRequest("k", Json("2"), IfAbsent: true), None));
        StringAssert.Contains(error.Message, "if_absent");
        var got = await store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.AreEqual("1", got.Value!.Value.GetRawText());
        Assert.AreEqual(created.Revision, got.Revision);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task If_absent_false_is_an_ordinary_set(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        await store.SetAsync(plugin, new KvSetRequest("k", Json("2"), IfAbsent: false), None);
        Assert.AreEqual("2", (await store.GetAsync(plugin, new KvGetRequest("k"), None)).Value!.Value.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task If_revision_writes_only_at_the_current_revision(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var first = await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        var second = await store.SetAsync(plugin, new KvSetRequest("k", Json("2"), IfRevision: first.Revision), None);
        Assert.IsGreaterThan(first.Revision, second.Revision);

        var stale = await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.SetAsync(plugin, new KvSetRequest("k", Json("3"), IfRevision: first.Revision), None));
        StringAssert.Contains(stale.Message, "if_revision");
        await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.SetAsync(plugin, new KvSetRequest("k", Json("3"), IfRevision: second.Revision + 1000), None));
        await ExpectErrorAsync(StorageErrorCode.Conflict, () => store.SetAsync(plugin, new KvSetRequest("missing", Json("3"), IfRevision: first.Revision), None));
        Assert.IsFalse((await store.GetAsync(plugin, new KvGetRequest("missing"), None)).Exists);
        var got = await store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.AreEqual("2", got.Value!.Value.GetRawText());
        Assert.AreEqual(second.Revision, got.Revision);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Concurrent_if_revision_writes_let_exactly_one_win(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var first = await store.SetAsync(plugin, new KvSetRequest("k", Json("0")), None);
        var attempts = Enumerable.Range(1, 10).Select(async i =>
        {
            try
            {
                await store.SetAsync(plugin, new KvSetRequest("k", Json(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), IfRevision: first.Revision), None);
                return true;
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.Conflict)
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.AreEqual(1, results.Count(r => r));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task If_absent_with_if_revision_or_a_revision_below_one_is_invalid(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var both = await ExpectErrorAsync(StorageErrorCode.InvalidRequest, () => store.SetAsync(plugin, new KvSetRequest("k", Json("1"), IfAbsent: true, IfRevision: 1), None));
        Assert.AreEqual("if_revision", both.Details["field"]);
        var zero = await ExpectErrorAsync(StorageErrorCode.InvalidRequest, () => store.SetAsync(plugin, new KvSetRequest("k", Json("1"), IfRevision: 0), None));
        Assert.AreEqual("if_revision", zero.Details["field"]);
    }
}
