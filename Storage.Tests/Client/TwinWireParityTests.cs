using System.Text;
using Storage.Testing;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Client;

/// <summary>The twin and the NATS host (SQLite) answer the same request bodies with the same bytes, errors included.</summary>
[TestClass]
public sealed class TwinWireParityTests
{
    [TestMethod]
    public async Task The_twin_and_the_host_answer_alike()
    {
        var plugin = TestPlugins.New("parity").Value;
        await using var twin = await InProcessStorage.StartAsync(plugin);
        (string Subject, string Body)[] requests =
        [
            ($"db.kv.{plugin}.get", """{"key":"nope"}"""),
            ($"db.kv.{plugin}.set", """{"key":"","value":1}"""),
            ($"db.kv.{plugin}.set", """{"key":"k","value":{"a":[1,true,null,"x"]},"request_id":"r1"}"""),
            ($"db.kv.{plugin}.set", """{"key":"k","value":2,"request_id":"r1"}"""),
            ($"db.kv.{plugin}.incr", """{"key":"k"}"""),
            ($"db.kv.{plugin}.gett", """{"key":"k"}"""),
            ($"db.kv.{plugin}.list", """{"limit":0}"""),
            ($"db.row.{plugin}.insert", """{"table":"nope","data":{}}"""),
            ($"db.row.{plugin}.describe", "{}"),
            ($"db.sql.{plugin}.query", """{"query":"DROP TABLE x"}"""),
            ($"db.sql.{plugin}.query", """{"query":"SELECT :n AS n","params":{"n":[1,2]}}"""),
            ($"db.migrate.{plugin}", """{"action":"aply"}"""),
            ($"db.migrate.{plugin}", """{"action":"status"}"""),
        ];

        foreach (var (subject, body) in requests)
        {
            var host = await TestHosts.RequestAsync(Backend.Sqlite, subject, body);
            var local = Encoding.UTF8.GetString((await twin.Transport.RequestAsync(subject, Encoding.UTF8.GetBytes(body), TimeSpan.FromSeconds(30), default)).Span);

            Assert.AreEqual(WithoutTimings(host.Body.GetRawText()), WithoutTimings(local), $"{subject} {body}");
        }
    }

    // Measured durations are the one field that differs by nature.
    private static string WithoutTimings(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, "\"elapsed_ms\":[0-9.eE+-]+", "\"elapsed_ms\":0");
}
