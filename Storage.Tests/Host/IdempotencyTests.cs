using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary><c>request_id</c>: a repeated write returns its first reply and applies once; reads are never cached.</summary>
[TestClass]
public sealed class IdempotencyTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_set_repeated_with_the_same_request_id_returns_the_first_reply_and_applies_once(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        var first = await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":"first","request_id":"r-1"}""");
        var again = await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":"first","request_id":"r-1"}""");
        Assert.AreEqual(first.Body.GetRawText(), again.Body.GetRawText());
        var get = await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"k"}""");
        Assert.AreEqual("first", get["value"].GetString());
        Assert.AreEqual(first["revision"].GetInt64(), get["revision"].GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_same_request_id_with_a_different_body_is_a_conflict_and_changes_nothing(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":"first","request_id":"r-1"}""");
        var other = await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":"second","request_id":"r-1"}""");
        Assert.AreEqual("CONFLICT", other.ErrorCode, other.Body.ToString());
        Assert.AreEqual("request_id", other.Body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        Assert.AreEqual("first", (await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"k"}"""))["value"].GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, "42")]
    [DataRow(Backend.Postgres, "42")]
    [DataRow(Backend.Sqlite, "\"\"")]
    [DataRow(Backend.Sqlite, "null")]
    [DataRow(Backend.Sqlite, "[\"a\"]")]
    [DataRow(Backend.Sqlite, "\"\\ud800\"")]
    [DataRow(Backend.Postgres, "129 characters")]
    public async Task A_request_id_that_is_not_a_string_of_1_to_128_characters_is_refused_before_anything_runs(string backend, string requestId)
    {
        if (requestId == "129 characters")
            requestId = $"\"{new string('é', 129)}\"";
        var kv = $"db.kv.{TestPlugins.New()}";
        var reply = await TestHosts.RequestAsync(backend, $"{kv}.incr", $$"""{"key":"c","request_id":{{requestId}}}""");
        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
        StringAssert.Contains(reply.ErrorMessage, "request_id");
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"c"}"""))["exists"].GetBoolean());
        var longest = $"\"{new string('é', 128)}\"";
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"{kv}.incr", $$"""{"key":"c","request_id":{{longest}}}""")).IsError);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_incr_repeated_with_the_same_request_id_counts_once_and_different_ids_count_twice(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        var replies = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"c","request_id":"same"}""")));
        Assert.IsTrue(replies.All(r => r["value"].GetInt64() == 1), string.Join(", ", replies.Select(r => r.Body.GetRawText())));
        Assert.AreEqual(1, replies.Select(r => r["revision"].GetInt64()).Distinct().Count());
        Assert.AreEqual(2, (await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"c","request_id":"other"}"""))["value"].GetInt64());
        Assert.AreEqual(3, (await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"c"}"""))["value"].GetInt64());
        Assert.AreEqual(4, (await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"c"}"""))["value"].GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_same_request_id_on_another_plugin_or_operation_is_a_different_request(string backend)
    {
        var (one, two) = ($"db.kv.{TestPlugins.New()}", $"db.kv.{TestPlugins.New()}");
        await TestHosts.RequestAsync(backend, $"{one}.incr", """{"key":"c","request_id":"r"}""");
        Assert.AreEqual(1, (await TestHosts.RequestAsync(backend, $"{two}.incr", """{"key":"c","request_id":"r"}"""))["value"].GetInt64());
        var set = await TestHosts.RequestAsync(backend, $"{one}.set", """{"key":"c","value":10,"request_id":"r"}""");
        Assert.IsFalse(set.IsError, set.Body.ToString());
        Assert.AreEqual(10, (await TestHosts.RequestAsync(backend, $"{one}.get", """{"key":"c"}"""))["value"].GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_failed_write_is_not_remembered_so_its_retry_runs_again(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1}""");
        var refused = await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":2,"if_absent":true,"request_id":"retry"}""");
        Assert.AreEqual("CONFLICT", refused.ErrorCode);
        await TestHosts.RequestAsync(backend, $"{kv}.delete", """{"key":"k"}""");
        var retried = await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":2,"if_absent":true,"request_id":"retry"}""");
        Assert.IsFalse(retried.IsError, retried.Body.ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Reads_with_a_request_id_are_not_cached(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1}""");
        Assert.AreEqual(1, (await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"k","request_id":"read"}"""))["value"].GetInt64());
        Assert.AreEqual(1, (await TestHosts.RequestAsync(backend, $"{kv}.list", """{"request_id":"read"}"""))["keys"].GetArrayLength());
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":2}""");
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k2","value":2}""");
        Assert.AreEqual(2, (await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"k","request_id":"read"}"""))["value"].GetInt64());
        Assert.AreEqual(2, (await TestHosts.RequestAsync(backend, $"{kv}.list", """{"request_id":"read"}"""))["keys"].GetArrayLength());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_delete_repeated_with_the_same_request_id_returns_its_first_reply(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1}""");
        Assert.IsTrue((await TestHosts.RequestAsync(backend, $"{kv}.delete", """{"key":"k","request_id":"d"}"""))["deleted"].GetBoolean());
        Assert.IsTrue((await TestHosts.RequestAsync(backend, $"{kv}.delete", """{"key":"k","request_id":"d"}"""))["deleted"].GetBoolean());
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"{kv}.delete", """{"key":"k","request_id":"d2"}"""))["deleted"].GetBoolean());
    }
}
