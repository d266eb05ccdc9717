using System.Text.Json;
using System.Text.RegularExpressions;
using Storage.Tests.Infrastructure;
using Storage.Tests.Kv;

namespace Storage.Tests.Host;

/// <summary>The KV contract end to end: a plugin's NATS request to the in-process host and back.</summary>
[TestClass]
public sealed partial class KvEndpointTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_json_value_type_round_trips_through_nats(string backend)
    {
        var plugin = TestPlugins.New();
        for (var i = 0; i < KvValueTests.Values.Length; i++)
        {
            var set = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", $$"""{"key":"k{{i}}","value":{{KvValueTests.Values[i]}}}""");
            Assert.IsFalse(set.IsError, set.Body.ToString());
            Assert.AreEqual(JsonValueKind.Number, set["revision"].ValueKind);
        }
        for (var i = 0; i < KvValueTests.Values.Length; i++)
        {
            var get = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", $$"""{"key":"k{{i}}"}""");
            Assert.IsTrue(get["exists"].GetBoolean());
            var expected = JsonDocument.Parse(KvValueTests.Values[i]).RootElement;
            Assert.IsTrue(JsonElement.DeepEquals(expected, get["value"]), $"{KvValueTests.Values[i]} came back as {get["value"].GetRawText()}");
            if (expected.ValueKind == JsonValueKind.Number)
                Assert.AreEqual(KvValueTests.Values[i], get["value"].GetRawText(), "numbers keep their exact spelling");
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_operation_answers_its_documented_shape(string backend)
    {
        var plugin = TestPlugins.New();
        var kv = $"db.kv.{plugin}";
        var set = await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":[1],"ttl":3600}""");
        AssertFields(set, "revision");
        var get = await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"k"}""");
        AssertFields(get, "exists", "expires_at", "revision", "value");
        Assert.AreEqual(set["revision"].GetInt64(), get["revision"].GetInt64());
        Assert.IsTrue(IsoUtc().IsMatch(get["expires_at"].GetString()!), get["expires_at"].GetString());
        var expires = DateTimeOffset.Parse(get["expires_at"].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(expires > DateTimeOffset.UtcNow.AddSeconds(3500) && expires < DateTimeOffset.UtcNow.AddSeconds(3700), expires.ToString("O"));
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":[1],"ttl":null}""");
        AssertFields(await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"k"}"""), "exists", "revision", "value");
        AssertFields(await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"missing"}"""), "exists");
        AssertFields(await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"c","by":-2}"""), "revision", "value");
        AssertFields(await TestHosts.RequestAsync(backend, $"{kv}.list", """{"limit":1}"""), "keys", "next", "truncated");
        AssertFields(await TestHosts.RequestAsync(backend, $"{kv}.list", """{}"""), "keys", "truncated");
        var deleted = await TestHosts.RequestAsync(backend, $"{kv}.delete", """{"key":"k"}""");
        AssertFields(deleted, "deleted");
        Assert.IsTrue(deleted["deleted"].GetBoolean());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Wildcard_subjects_route_each_plugin_to_its_own_data(string backend)
    {
        var (one, two) = (TestPlugins.New(), TestPlugins.New());
        await TestHosts.RequestAsync(backend, $"db.kv.{one}.set", """{"key":"k","value":"one"}""");
        await TestHosts.RequestAsync(backend, $"db.kv.{two}.set", """{"key":"k","value":"two"}""");
        Assert.AreEqual("one", (await TestHosts.RequestAsync(backend, $"db.kv.{one}.get", """{"key":"k"}"""))["value"].GetString());
        Assert.AreEqual("two", (await TestHosts.RequestAsync(backend, $"db.kv.{two}.get", """{"key":"k"}"""))["value"].GetString());
        Assert.AreEqual(1, (await TestHosts.RequestAsync(backend, $"db.kv.{two}.list", "{}"))["keys"].GetArrayLength());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_name_in_the_payload_is_ignored(string backend)
    {
        var (caller, victim) = (TestPlugins.New(), TestPlugins.New());
        await TestHosts.RequestAsync(backend, $"db.kv.{victim}.set", """{"key":"k","value":"victim"}""");
        var set = await TestHosts.RequestAsync(backend, $"db.kv.{caller}.set", $$"""{"plugin":"{{victim}}","key":"k","value":"caller"}""");
        Assert.IsFalse(set.IsError, set.Body.ToString());
        Assert.AreEqual("victim", (await TestHosts.RequestAsync(backend, $"db.kv.{victim}.get", """{"key":"k"}"""))["value"].GetString());
        Assert.AreEqual("caller", (await TestHosts.RequestAsync(backend, $"db.kv.{caller}.get", $$"""{"key":"k","plugin":"{{victim}}"}"""))["value"].GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Hundred_concurrent_incr_through_nats_end_at_exactly_hundred(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        var replies = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"c"}""")));
        CollectionAssert.AreEquivalent(Enumerable.Range(1, 100).Select(i => (long)i).ToArray(), replies.Select(r => r["value"].GetInt64()).ToArray());
        Assert.AreEqual(100, (await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"c"}"""))["value"].GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_service_answers_ping_as_storage(string backend)
    {
        var client = await TestHosts.ClientAsync(backend);
        var reply = await client.RequestAsync<byte[], byte[]>("$SRV.PING.storage", []);
        var body = JsonDocument.Parse(reply.Data!).RootElement;
        Assert.AreEqual("storage", body.GetProperty("name").GetString());
        Assert.AreEqual("io.nats.micro.v1.ping_response", body.GetProperty("type").GetString());
    }

    private static void AssertFields(Reply reply, params string[] names)
    {
        Assert.IsFalse(reply.IsError, reply.Body.ToString());
        CollectionAssert.AreEqual(names, reply.Body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray(), reply.Body.ToString());
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$")]
    private static partial Regex IsoUtc();
}
