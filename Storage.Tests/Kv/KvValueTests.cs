using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvValueTests
{
    // Values are kept as their exact JSON text: number spelling (1.10, 1e400, huge integers) survives.
    internal static readonly string[] Values =
    [
        "\"plain\"", "\"\"", "\"ünïcödé ✓ 😀 \\u0000 \\\"quoted\\\" \\n\"", "0", "-42", "1.10", "1e400", "-0.0",
        "123456789012345678901234567890", "3.141592653589793238462643383279", "true", "false", "null",
        "[]", "[1,\"two\",null,[true],{\"x\":1.50}]", "{}", "{\"nested\":{\"a\":[1,2,3],\"b\":\"😀\"},\"z\":null}",
    ];

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_json_value_type_round_trips_exactly(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        for (var i = 0; i < Values.Length; i++)
            await store.SetAsync(plugin, new KvSetRequest($"k{i}", Json(Values[i])), None);
        for (var i = 0; i < Values.Length; i++)
        {
            var got = await store.GetAsync(plugin, new KvGetRequest($"k{i}"), None);
            Assert.IsTrue(got.Exists, Values[i]);
            Assert.AreEqual(Values[i], got.Value!.Value.GetRawText());
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Get_of_a_missing_key_says_it_does_not_exist(string backend)
    {
        var got = await TestBackends.Get<IKvStore>(backend).GetAsync(TestPlugins.New(), new KvGetRequest("nothing"), None);
        Assert.IsFalse(got.Exists);
        Assert.IsNull(got.Value);
        Assert.IsNull(got.Revision);
        Assert.IsNull(got.ExpiresAt);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Set_replaces_the_value_and_raises_the_revision(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var first = await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        var second = await store.SetAsync(plugin, new KvSetRequest("k", Json("\"two\"")), None);
        Assert.IsGreaterThan(first.Revision, second.Revision);
        var got = await store.GetAsync(plugin, new KvGetRequest("k"), None);
        Assert.AreEqual("\"two\"", got.Value!.Value.GetRawText());
        Assert.AreEqual(second.Revision, got.Revision);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Keys_may_hold_any_unicode_and_up_to_255_characters(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        string[] keys = ["ключ", "键 with spaces", "a.b*c>d", "%_\\'\"", new string('x', 255), string.Concat(Enumerable.Repeat("😀", 255))];
        foreach (var key in keys)
            await store.SetAsync(plugin, new KvSetRequest(key, Json($"\"{key.Length}\"")), None);
        foreach (var key in keys)
            Assert.AreEqual($"\"{key.Length}\"", (await store.GetAsync(plugin, new KvGetRequest(key), None)).Value!.Value.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Delete_says_whether_a_key_was_there(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        Assert.IsTrue((await store.DeleteAsync(plugin, new KvDeleteRequest("k"), None)).Deleted);
        Assert.IsFalse((await store.GetAsync(plugin, new KvGetRequest("k"), None)).Exists);
        Assert.IsFalse((await store.DeleteAsync(plugin, new KvDeleteRequest("k"), None)).Deleted);
        Assert.IsFalse((await store.DeleteAsync(plugin, new KvDeleteRequest("never"), None)).Deleted);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_revision_is_never_reused_after_a_delete(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var first = await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        await store.DeleteAsync(plugin, new KvDeleteRequest("k"), None);
        var again = await store.SetAsync(plugin, new KvSetRequest("k", Json("1")), None);
        Assert.IsGreaterThan(first.Revision, again.Revision);
    }
}
