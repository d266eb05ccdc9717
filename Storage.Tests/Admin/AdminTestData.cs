using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Admin;

/// <summary>Fills a plugin through NATS: a migrated <c>quotes</c> table with rows and a few KV keys.</summary>
internal static class AdminTestData
{
    public const string Migration = """
        [{"version":"001","up":"CREATE TABLE quotes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, score REAL, active BOOLEAN, meta JSON)"}]
        """;

    public static async Task<PluginId> FilledPluginAsync(string backend)
    {
        var plugin = TestPlugins.New("adm");
        await SucceedAsync(backend, $"db.migrate.{plugin}", $$"""{"action":"apply","migrations":{{Migration}}}""");
        await SucceedAsync(backend, $"db.row.{plugin}.insert", """
            {"table":"quotes","data":[
              {"id":1,"text":"first","score":2.5,"active":true,"meta":{"tags":["a"]}},
              {"id":2,"text":"second","score":null,"active":false},
              {"id":3,"text":"third","score":-1,"active":true}]}
            """);
        await SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"a1","value":{"n":1}}""");
        await SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"a2","value":"two","ttl":3600}""");
        await SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"b1","value":null}""");
        return plugin;
    }

    public static async Task<Reply> SucceedAsync(string backend, string subject, string json)
    {
        var reply = await TestHosts.RequestAsync(backend, subject, json);
        Assert.IsFalse(reply.IsError, $"{subject}: {reply.Body}");
        return reply;
    }
}
