using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// The exact JSON of KV replies and error replies, pinned in <c>__snapshots__</c>. Both backends
/// must match the same file; revisions and times are left out so the snapshots are deterministic.
/// </summary>
[TestClass]
public sealed class KvSnapshotTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Success_replies_have_the_documented_shape(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"b","value":{"name":"Zoë","tags":["x",1.50,null,true]},"ttl":60}""");
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"a","value":"plain"}""");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"b"}""")).Body, "get",
            ["revision", "expires_at"]);
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.get", """{"key":"missing"}""")).Body, "get_missing");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.list", """{"limit":1}""")).Body, "list_truncated");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"n","by":5}""")).Body, "incr", ["revision"]);
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.delete", """{"key":"a"}""")).Body, "delete");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Error_replies_have_the_documented_shape(string backend)
    {
        var kv = $"db.kv.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":"text"}""");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1,"if_absent":true}""")).Body, "error_conflict_if_absent");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.incr", """{"key":"k"}""")).Body, "error_conflict_not_integer");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.get", $$"""{"key":"{{new string('k', 256)}}"}""")).Body, "error_key_too_long");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.set", $$"""{"key":"big","value":"{{new string('x', 65535)}}"}""")).Body, "error_too_large");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.list", """{"limit":10001}""")).Body, "error_limit");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.set", """{"key":"k","value":1,"ttl":1.5}""")).Body, "error_ttl_type");
        Snapshot.Match((await TestHosts.RequestAsync(backend, $"{kv}.set", "[1]")).Body, "error_invalid_json");
        Snapshot.Match((await TestHosts.RequestAsync(backend, "db.kv.Bad.set", """{"key":"k","value":1}""")).Body, "error_bad_plugin");
    }
}
