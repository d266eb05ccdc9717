using System.Text;
using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvListTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task List_returns_keys_in_code_point_order(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        string[] keys = ["b", "a", "B", "A", "ä", "é", "Z", "a b", "ab", "a", "10", "9", "😀", "\uFFFD", "_", "%", "~"];
        foreach (var key in keys)
            await store.SetAsync(plugin, new KvSetRequest(key, Json("1")), None);
        var expected = keys.Distinct().OrderBy(k => Encoding.UTF8.GetBytes(k), ByteOrder.Instance).ToArray();
        var list = await store.ListAsync(plugin, new KvListRequest(), None);
        CollectionAssert.AreEqual(expected, list.Keys.ToArray());
        Assert.IsFalse(list.Truncated);
        Assert.IsNull(list.Next);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Prefix_is_matched_literally_even_with_like_wildcards(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        foreach (var key in new[] { "a%", "a%b", "a_b", "axb", "ab", "a\\b", "A%", "b%", "a" })
            await store.SetAsync(plugin, new KvSetRequest(key, Json("1")), None);
        async Task<string[]> ListAsync(string? prefix) => (await store.ListAsync(plugin, new KvListRequest(Prefix: prefix), None)).Keys.ToArray();
        CollectionAssert.AreEqual(new[] { "a%", "a%b" }, await ListAsync("a%"));
        CollectionAssert.AreEqual(new[] { "a_b" }, await ListAsync("a_"));
        CollectionAssert.AreEqual(new[] { "a\\b" }, await ListAsync("a\\"));
        CollectionAssert.AreEqual(new[] { "a", "a%", "a%b", "a\\b", "a_b", "ab", "axb" }, await ListAsync("a"));
        CollectionAssert.AreEqual(Array.Empty<string>(), await ListAsync("zz"));
        Assert.HasCount(9, await ListAsync(""));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Prefix_at_the_top_of_unicode_still_matches(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var top = char.ConvertFromUtf32(0x10FFFF);
        foreach (var key in new[] { top, top + "a", "\uFFFF", "x" })
            await store.SetAsync(plugin, new KvSetRequest(key, Json("1")), None);
        CollectionAssert.AreEqual(new[] { top, top + "a" }, (await store.ListAsync(plugin, new KvListRequest(Prefix: top), None)).Keys.ToArray());
        CollectionAssert.AreEqual(new[] { "\uFFFF" }, (await store.ListAsync(plugin, new KvListRequest(Prefix: "\uFFFF"), None)).Keys.ToArray());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Paging_with_next_as_after_visits_every_key_once_and_the_default_limit_is_1000(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var keys = Enumerable.Range(0, 1001).Select(i => $"k{i:D5}").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) =>
            await store.SetAsync(plugin, new KvSetRequest(key, Json("1")), ct));

        var all = await store.ListAsync(plugin, new KvListRequest(), None);
        Assert.HasCount(1000, all.Keys);
        Assert.IsTrue(all.Truncated);
        Assert.AreEqual("k00999", all.Next);
        var rest = await store.ListAsync(plugin, new KvListRequest(After: all.Next), None);
        CollectionAssert.AreEqual(new[] { "k01000" }, rest.Keys.ToArray());
        Assert.IsFalse(rest.Truncated);
        Assert.IsNull(rest.Next);

        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(plugin, new KvListRequest(Limit: 97, After: after), None);
            Assert.IsLessThanOrEqualTo(97, page.Keys.Count);
            seen.AddRange(page.Keys);
            after = page.Next;
            Assert.AreEqual(page.Truncated, after is not null);
            pages++;
        }
        while (after is not null);
        CollectionAssert.AreEqual(keys, seen);
        Assert.AreEqual(11, pages);

        Assert.HasCount(1001, (await store.ListAsync(plugin, new KvListRequest(Limit: 10_000), None)).Keys);
        var exact = await store.ListAsync(plugin, new KvListRequest(Prefix: "k0100", Limit: 1), None);
        CollectionAssert.AreEqual(new[] { "k01000" }, exact.Keys.ToArray());
        Assert.IsFalse(exact.Truncated, "a page that holds the last key exactly is not truncated");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Prefix_and_after_combine(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        foreach (var key in new[] { "p1", "p2", "p3", "q1", "o9" })
            await store.SetAsync(plugin, new KvSetRequest(key, Json("1")), None);
        var page = await store.ListAsync(plugin, new KvListRequest(Prefix: "p", Limit: 1, After: "p1"), None);
        CollectionAssert.AreEqual(new[] { "p2" }, page.Keys.ToArray());
        Assert.IsTrue(page.Truncated);
        Assert.AreEqual("p2", page.Next);
        CollectionAssert.AreEqual(new[] { "p3" }, (await store.ListAsync(plugin, new KvListRequest(Prefix: "p", After: "p2"), None)).Keys.ToArray());
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
