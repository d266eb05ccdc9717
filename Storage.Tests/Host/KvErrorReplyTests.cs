using System.Text;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>Bad requests end to end: the error body, its code and the NATS micro error headers.</summary>
[TestClass]
public sealed class KvErrorReplyTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite, "set", """{"key":"","value":1}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Sqlite, "set", """{"key":42,"value":1}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Sqlite, "set", """{"key":"k"}""", "INVALID_REQUEST", "400", "value")]
    [DataRow(Backend.Sqlite, "set", """{"key":"k","value":1,"ttl":-1}""", "INVALID_REQUEST", "400", "ttl")]
    [DataRow(Backend.Sqlite, "set", """{"key":"k","value":1,"ttl":1.5}""", "INVALID_REQUEST", "400", "ttl")]
    [DataRow(Backend.Sqlite, "set", """{"key":"k","value":1,"ttl":"10"}""", "INVALID_REQUEST", "400", "ttl")]
    [DataRow(Backend.Sqlite, "set", """{"key":"k","value":1,"if_absent":"yes"}""", "INVALID_REQUEST", "400", "if_absent")]
    [DataRow(Backend.Sqlite, "incr", """{"key":"k","by":0.5}""", "INVALID_REQUEST", "400", "by")]
    [DataRow(Backend.Sqlite, "get", """{"key":null}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Sqlite, "get", """{}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Sqlite, "list", """{"limit":0}""", "INVALID_REQUEST", "400", "limit")]
    [DataRow(Backend.Sqlite, "list", """{"limit":10001}""", "INVALID_REQUEST", "400", "limit")]
    [DataRow(Backend.Sqlite, "list", """{"prefix":7}""", "INVALID_REQUEST", "400", "prefix")]
    [DataRow(Backend.Postgres, "set", """{"key":"","value":1}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Postgres, "set", """{"key":42,"value":1}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Postgres, "set", """{"key":"k"}""", "INVALID_REQUEST", "400", "value")]
    [DataRow(Backend.Postgres, "set", """{"key":"k","value":1,"ttl":-1}""", "INVALID_REQUEST", "400", "ttl")]
    [DataRow(Backend.Postgres, "set", """{"key":"k","value":1,"ttl":1.5}""", "INVALID_REQUEST", "400", "ttl")]
    [DataRow(Backend.Postgres, "set", """{"key":"k","value":1,"ttl":"10"}""", "INVALID_REQUEST", "400", "ttl")]
    [DataRow(Backend.Postgres, "set", """{"key":"k","value":1,"if_absent":"yes"}""", "INVALID_REQUEST", "400", "if_absent")]
    [DataRow(Backend.Postgres, "incr", """{"key":"k","by":0.5}""", "INVALID_REQUEST", "400", "by")]
    [DataRow(Backend.Postgres, "get", """{"key":null}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Postgres, "get", """{}""", "INVALID_REQUEST", "400", "key")]
    [DataRow(Backend.Postgres, "list", """{"limit":0}""", "INVALID_REQUEST", "400", "limit")]
    [DataRow(Backend.Postgres, "list", """{"limit":10001}""", "INVALID_REQUEST", "400", "limit")]
    [DataRow(Backend.Postgres, "list", """{"prefix":7}""", "INVALID_REQUEST", "400", "prefix")]
    public async Task A_bad_field_is_answered_with_its_code_field_and_headers(string backend, string op, string body, string code, string status, string field)
    {
        var reply = await TestHosts.RequestAsync(backend, $"db.kv.{TestPlugins.New()}.{op}", body);
        AssertError(reply, code, status);
        Assert.AreEqual(field, reply["error"].GetProperty("details").GetProperty("field").GetString(), reply.Body.ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, "not json")]
    [DataRow(Backend.Sqlite, "[1,2]")]
    [DataRow(Backend.Sqlite, "\"text\"")]
    [DataRow(Backend.Sqlite, "{\"key\":\"k\"")]
    [DataRow(Backend.Sqlite, "")]
    [DataRow(Backend.Postgres, "not json")]
    [DataRow(Backend.Postgres, "[1,2]")]
    [DataRow(Backend.Postgres, "\"text\"")]
    [DataRow(Backend.Postgres, "{\"key\":\"k\"")]
    [DataRow(Backend.Postgres, "")]
    public async Task A_body_that_is_not_a_json_object_is_invalid_json(string backend, string body)
    {
        foreach (var op in new[] { "set", "get", "delete", "list", "incr" })
            AssertError(await TestHosts.RequestRawAsync(backend, $"db.kv.{TestPlugins.New()}.{op}", Encoding.UTF8.GetBytes(body)), "INVALID_JSON", "400");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, "Upper")]
    [DataRow(Backend.Sqlite, "9starts-with-digit")]
    [DataRow(Backend.Sqlite, "has%percent")]
    [DataRow(Backend.Postgres, "Upper")]
    [DataRow(Backend.Postgres, "9starts-with-digit")]
    [DataRow(Backend.Postgres, "has%percent")]
    public async Task A_bad_plugin_token_in_the_subject_is_an_invalid_request(string backend, string token)
    {
        var reply = await TestHosts.RequestAsync(backend, $"db.kv.{token}.set", """{"key":"k","value":1}""");
        AssertError(reply, "INVALID_REQUEST", "400");
        Assert.AreEqual("plugin", reply["error"].GetProperty("details").GetProperty("field").GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Conflicts_and_too_large_values_carry_409_and_413(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":"text"}""");
        AssertError(await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1,"if_absent":true}"""), "CONFLICT", "409");
        AssertError(await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1,"if_revision":999999999}"""), "CONFLICT", "409");
        AssertError(await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"k"}"""), "CONFLICT", "409");
        var big = await TestHosts.RequestAsync(backend, $"{kv}.set", $$"""{"key":"big","value":"{{new string('x', 70_000)}}"}""");
        AssertError(big, "TOO_LARGE", "413");
        StringAssert.Contains(big.ErrorMessage, "65536");
        StringAssert.Contains(big.ErrorMessage, "70002");
    }

    private static void AssertError(Reply reply, string code, string status)
    {
        Assert.AreEqual(code, reply.ErrorCode, reply.Body.ToString());
        Assert.IsFalse(string.IsNullOrWhiteSpace(reply.ErrorMessage));
        Assert.AreEqual(System.Text.Json.JsonValueKind.Object, reply["error"].GetProperty("details").ValueKind);
        Assert.IsNotNull(reply.Headers, "error replies carry the micro headers");
        Assert.AreEqual(status, reply.Headers["Nats-Service-Error-Code"].ToString());
        Assert.AreEqual(code, reply.Headers["Nats-Service-Error"].ToString());
    }
}
