using System.Text.Json;
using Storage.Kv;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvSmokeTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Set_then_get_returns_the_value(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New();
        var value = JsonDocument.Parse("""{"a":[1,2.50,"x"],"b":null}""").RootElement;
        var set = await store.SetAsync(plugin, new KvSetRequest("k", value), CancellationToken.None);
        var got = await store.GetAsync(plugin, new KvGetRequest("k"), CancellationToken.None);
        Assert.IsTrue(got.Exists);
        Assert.AreEqual(set.Revision, got.Revision);
        Assert.AreEqual("""{"a":[1,2.50,"x"],"b":null}""", got.Value!.Value.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Set_through_nats_then_get(string backend)
    {
        var plugin = TestPlugins.New();
        var set = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", """{"key":"k","value":{"x":1}}""");
        Assert.IsFalse(set.IsError, set.Body.ToString());
        var get = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", """{"key":"k"}""");
        Assert.AreEqual("""{"x":1}""", get["value"].GetRawText());
        await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", """{"key":"t","value":1,"ttl":60}""");
        var withTtl = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", """{"key":"t"}""");
        StringAssert.EndsWith(withTtl["expires_at"].GetString(), "Z");
        var bad = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", "[1]");
        Assert.AreEqual("INVALID_JSON", bad.ErrorCode);
        Assert.AreEqual("400", bad.Headers?["Nats-Service-Error-Code"].ToString());
    }
}
