using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvTtlTests
{
    private static readonly TimeSpan PastTtl = TimeSpan.FromSeconds(11);

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_ttl_sets_expires_at_that_many_seconds_ahead(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("1"), Ttl: 10), None);
        var got = await kv.Store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.AreEqual(kv.Clock.GetUtcNow().AddSeconds(10), got.ExpiresAt);
        Assert.AreEqual(TimeSpan.Zero, got.ExpiresAt!.Value.Offset);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, null)]
    [DataRow(Backend.Sqlite, 0L)]
    [DataRow(Backend.Postgres, null)]
    [DataRow(Backend.Postgres, 0L)]
    public async Task No_ttl_or_ttl_zero_never_expires(string backend, long? ttl)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("1"), Ttl: ttl), None);
        kv.Clock.Advance(TimeSpan.FromDays(3650));
        var got = await kv.Store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.IsTrue(got.Exists);
        Assert.IsNull(got.ExpiresAt);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_expired_key_is_invisible_to_get_list_delete_and_incr_at_once(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("gone", Json("41"), Ttl: 10), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("kept", Json("1")), None);
        kv.Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.IsTrue((await kv.Store.GetAsync(plugin, new KvGetRequest("gone"), None)).Exists);
        kv.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.IsFalse((await kv.Store.GetAsync(plugin, new KvGetRequest("gone"), None)).Exists);
        CollectionAssert.AreEqual(new[] { "kept" }, (await kv.Store.ListAsync(plugin, new KvListRequest(), None)).Keys.ToArray());
        var counter = await kv.Store.IncrAsync(plugin, new KvIncrRequest("gone"), None);
        Assert.AreEqual(1, counter.Value);
        var got = await kv.Store.GetAsync(plugin, new KvGetRequest("gone"), None);
        Assert.IsNull(got.ExpiresAt, "incr on an expired key starts a fresh counter without the old expiry");
        await kv.Store.SetAsync(plugin, new KvSetRequest("gone2", Json("1"), Ttl: 1), None);
        kv.Clock.Advance(PastTtl);
        Assert.IsFalse((await kv.Store.DeleteAsync(plugin, new KvDeleteRequest("gone2"), None)).Deleted);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Re_setting_a_key_replaces_its_ttl(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("forever", Json("1"), Ttl: 5), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("forever", Json("2")), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("longer", Json("1"), Ttl: 5), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("longer", Json("2"), Ttl: 100), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("shorter", Json("1")), None);
        await kv.Store.SetAsync(plugin, new KvSetRequest("shorter", Json("2"), Ttl: 5), None);
        kv.Clock.Advance(PastTtl);
        Assert.IsNull((await kv.Store.GetAsync(plugin, new KvGetRequest("forever"), None)).ExpiresAt);
        Assert.AreEqual(kv.Clock.GetUtcNow() - PastTtl + TimeSpan.FromSeconds(100), (await kv.Store.GetAsync(plugin, new KvGetRequest("longer"), None)).ExpiresAt);
        Assert.IsFalse((await kv.Store.GetAsync(plugin, new KvGetRequest("shorter"), None)).Exists);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task If_absent_and_if_revision_treat_an_expired_key_as_absent(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        var old = await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("1"), Ttl: 1), None);
        kv.Clock.Advance(PastTtl);
        await ExpectErrorAsync(StorageErrorCode.Conflict, () => kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("2"), IfRevision: old.Revision), None));
        var fresh = await kv.Store.SetAsync(plugin, new KvSetRequest("k", Json("3"), IfAbsent: true), None);
        var got = await kv.Store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.AreEqual("3", got.Value!.Value.GetRawText());
        Assert.AreEqual(fresh.Revision, got.Revision);
        Assert.IsNull(got.ExpiresAt);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Incr_with_a_ttl_resets_the_expiry_and_without_one_keeps_it(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        var start = kv.Clock.GetUtcNow();
        await kv.Store.IncrAsync(plugin, new KvIncrRequest("c", Ttl: 10), None);
        kv.Clock.Advance(TimeSpan.FromSeconds(5));
        await kv.Store.IncrAsync(plugin, new KvIncrRequest("c"), None);
        Assert.AreEqual(start.AddSeconds(10), (await kv.Store.GetAsync(plugin, new KvGetRequest("c"), None)).ExpiresAt);
        await kv.Store.IncrAsync(plugin, new KvIncrRequest("c", Ttl: 60), None);
        Assert.AreEqual(start.AddSeconds(65), (await kv.Store.GetAsync(plugin, new KvGetRequest("c"), None)).ExpiresAt);
        kv.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.IsFalse((await kv.Store.GetAsync(plugin, new KvGetRequest("c"), None)).Exists);
        Assert.AreEqual(1, (await kv.Store.IncrAsync(plugin, new KvIncrRequest("c"), None)).Value);
    }
}
