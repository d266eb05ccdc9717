using System.Text;
using System.Text.Json;
using Storage.Core;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

/// <summary>
/// Values stay UTF-8 from the request to the database and back: a get's reply (written straight from
/// the stored bytes) is byte for byte what serializing the parsed value gives, and the stored text
/// is the value's text as it came, on both backends, for large, unicode and escaped values and for
/// values stored as text before values were kept as UTF-8.
/// </summary>
[TestClass]
public sealed class KvUtf8ValueTests
{
    private static readonly KvJsonContext Contract = KvJsonContext.Default;

    public static IEnumerable<object[]> Texts =>
    [
        ["""{ "a" : 1 ,  "b" : [ true , null ] }"""],
        ["\"caf\\u00e9 caf\u00e9 \uD83D\uDE00 \\\" \\\\ \\/ \\n \\t <>&'+` \\u00E9\""],
        ["""{"k\u00e9y":"v","\u00e9":"\u00e9","html":"<a href='x'>&amp;</a>","plus":"1+1"}"""],
        ["""[1e+5,-0.0,12345678901234567890123,1.50,0.1e-7]"""],
        ["""{"plain":"ascii text with spaces","n":[1,2,3],"t":true,"f":false,"z":null}"""],
        ["\"\""],
        ["null"],
        ["""{"deep":[[[[{"x":[{"y":"\u2028\u2029"}]}]]]]}"""],
    ];

    [TestMethod]
    [DataRow(Backend.Sqlite, 64 * 1024)]
    [DataRow(Backend.Postgres, 64 * 1024)]
    [DataRow(Backend.Sqlite, 1_000_000)]
    [DataRow(Backend.Postgres, 1_000_000)]
    public async Task Large_values_round_trip_byte_exact(string backend, int bytes)
    {
        await using var kv = new KvStores(backend, o => o.MaxValueBytes = 2 * 1024 * 1024);
        var plugin = TestPlugins.New();
        var text = LargeValue(bytes);
        await SetAsync(kv.Store, plugin, "big", text);
        await AssertReadsBackAsync(kv.Store, plugin, "big", text);
    }

    [TestMethod]
    [DynamicData(nameof(Texts))]
    public async Task Unicode_escapes_and_spacing_round_trip_exactly_on_sqlite(string text) =>
        await RoundTripAsync(Backend.Sqlite, text);

    [TestMethod]
    [DynamicData(nameof(Texts))]
    public async Task Unicode_escapes_and_spacing_round_trip_exactly_on_postgres(string text) =>
        await RoundTripAsync(Backend.Postgres, text);

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_value_with_an_expiry_replies_as_the_serializer_would(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        await kv.Store.SetAsync(plugin, new KvSetRequest("ttl", Json("""{ "x" : "é" }"""), Ttl: 90), None);
        await AssertReadsBackAsync(kv.Store, plugin, "ttl", """{ "x" : "é" }""");
        var missing = await ReplyAsync(kv.Store, plugin, "absent");
        Assert.AreEqual("""{"exists":false}""", missing);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_value_stored_as_text_before_reads_back_the_same(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        // Creates the plugin's KV table (SQLite) and provisions the plugin.
        await kv.Store.SetAsync(plugin, new KvSetRequest("new", Json("1")), None);
        const string old = """{ "quote" : "caf\u00e9 – \"old\" <b>", "n" : [1, 2.50] }""";
        await using (var connection = await kv.Database.OpenServiceAsync(plugin, None))
        await using (var insert = connection.CreateCommand(backend == Backend.Sqlite
            ? $"INSERT INTO {connection.Qualify(ServiceTables.Kv)} (key, value, revision, expires_at) VALUES ('old', @value, 900000, NULL)"
            : "INSERT INTO _storage.kv (plugin, key, value, revision, expires_at) VALUES (@plugin, 'old', @value, 900000, NULL)")
            .With("plugin", plugin.Value).With("value", old))
            await insert.ExecuteNonQueryAsync();
        await AssertReadsBackAsync(kv.Store, plugin, "old", old);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Values_are_stored_as_text_of_the_request(string backend)
    {
        await using var kv = new KvStores(backend);
        var plugin = TestPlugins.New();
        const string text = """{ "a" : "é\u00e9" }""";
        await SetAsync(kv.Store, plugin, "k", text);
        await using var connection = await kv.Database.OpenServiceAsync(plugin, None);
        await using var read = connection.CreateCommand(backend == Backend.Sqlite
            ? $"SELECT typeof(value) || ':' || value FROM {connection.Qualify(ServiceTables.Kv)} WHERE key = 'k'"
            : "SELECT pg_typeof(value)::text || ':' || value FROM _storage.kv WHERE plugin = @plugin AND key = 'k'").With("plugin", plugin.Value);
        Assert.AreEqual("text:" + text, (string?)await read.ExecuteScalarAsync());
    }

    private static async Task RoundTripAsync(string backend, string text)
    {
        var kv = TestBackends.Get<Storage.Kv.IKvStore>(backend);
        var plugin = TestPlugins.New();
        await SetAsync(kv, plugin, "k", text);
        await AssertReadsBackAsync(kv, plugin, "k", text);
    }

    // Through the request parser, as the host reads a set.
    private static async Task SetAsync(Storage.Kv.IKvStore kv, PluginId plugin, string key, string valueText)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","value":{{valueText}}}""");
        await kv.SetAsync(plugin, StorageJson.Deserialize(body, Contract.KvSetRequest), None);
    }

    private static async Task AssertReadsBackAsync(Storage.Kv.IKvStore kv, PluginId plugin, string key, string valueText)
    {
        var response = await kv.GetAsync(plugin, new KvGetRequest(key), None);
        Assert.IsTrue(response.Exists);
        Assert.AreEqual(valueText, response.Value!.Value.GetRawText(), "the stored text is the value's text as it came");
        var expected = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(response, Contract.KvGetResponse));
        Assert.AreEqual(expected, await ReplyAsync(kv, plugin, key), "the written reply is what serializing the parsed value gives");
    }

    private static async Task<string> ReplyAsync(Storage.Kv.IKvStore kv, PluginId plugin, string key)
    {
        using var reply = new PooledBufferWriter(16);
        await kv.WriteGetAsync(plugin, new KvGetRequest(key), reply, None);
        return Encoding.UTF8.GetString(reply.WrittenSpan);
    }

    // Records with ASCII, non-ASCII and escaped text, so the reply takes the token-by-token path on a large value.
    private static string LargeValue(int bytes)
    {
        var builder = new StringBuilder("""{"items":[""");
        for (var (i, size) = (0, 0); size < bytes - 200; i++)
        {
            var item = (i == 0 ? "" : ",") + $$"""{"id":{{i}},"text":"line {{i}}: caf\u00e9 café \"q\" <&>","n":{{i}}.5}""";
            builder.Append(item);
            size += Encoding.UTF8.GetByteCount(item);
        }
        return builder.Append("]}").ToString();
    }
}
