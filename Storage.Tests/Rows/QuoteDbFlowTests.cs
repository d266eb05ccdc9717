using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Rows;

/// <summary>
/// The quote-db reference plugin's storage flow, end to end through NATS exactly as the plugin
/// sends it: schema, KV <c>last_id</c>, insert, search by author, random quote, count, delete.
/// </summary>
[TestClass]
public sealed class QuoteDbFlowTests
{
    private const string QuotesPostgres = """
        CREATE TABLE quotes (
            id bigserial PRIMARY KEY,
            text text NOT NULL,
            author text NOT NULL,
            added_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            tags jsonb
        );
        CREATE INDEX quotes_author ON quotes (author);
        """;

    private const string QuotesSqlite = """
        CREATE TABLE quotes (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            added_by TEXT,
            created_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            tags JSON
        );
        CREATE INDEX quotes_author ON quotes (author);
        """;

    /// <summary>The schema step: the plugin's own migration, applied through <c>db.migrate.&lt;plugin&gt;</c>.</summary>
    private static async Task MigrateAsync(string backend, PluginId plugin)
    {
        var up = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["postgres"] = QuotesPostgres, ["sqlite"] = QuotesSqlite });
        var reply = await Request(backend, $"db.migrate.{plugin}", $$"""{"action":"apply","migrations":[{"version":"001","up":{{up}},"down":"DROP TABLE quotes"}]}""");
        Assert.IsFalse(reply.IsError, reply.Body.ToString());
        Assert.AreEqual("001", reply["current"].GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_quote_plugin_stores_finds_picks_counts_and_deletes_quotes(string backend)
    {
        var plugin = TestPlugins.New("quote-db");
        await MigrateAsync(backend, plugin);
        Task<Reply> Send(string op, string json) => Request(backend, $"db.row.{plugin}.{op}", json);

        var inserted = await Send("insert", """
            {"table":"quotes","data":[
              {"text":"Simplicity is prerequisite for reliability.","author":"Edsger W. Dijkstra","added_by":"ann","tags":["cs"]},
              {"text":"Premature optimization is the root of all evil.","author":"Donald Knuth","added_by":"bob"},
              {"text":"Testing shows the presence, not the absence of bugs.","author":"Edsger W. Dijkstra","added_by":"bob"},
              {"text":"Talk is cheap. Show me the code.","author":"Linus Torvalds"}
            ]}
            """);
        Assert.AreEqual(4, inserted["created"].GetInt32());
        var lastId = inserted["ids"][3].GetInt64();
        var kv = await Request(backend, $"db.kv.{plugin}.set", $$"""{"key":"last_id","value":{{lastId}}}""");
        Assert.IsFalse(kv.IsError, kv.Body.ToString());
        Assert.AreEqual(lastId, (await Request(backend, $"db.kv.{plugin}.get", """{"key":"last_id"}"""))["value"].GetInt64());

        var byAuthor = await Send("search", """{"table":"quotes","filters":{"author":{"$like":"Edsger%"}},"sort":{"field":"id","order":"desc"},"fields":["id","text"]}""");
        Assert.AreEqual(2, byAuthor["rows"].GetArrayLength());
        Assert.AreEqual("Testing shows the presence, not the absence of bugs.", byAuthor["rows"][0].GetProperty("text").GetString());
        Assert.IsFalse(byAuthor["rows"][0].TryGetProperty("author", out _));
        Assert.AreEqual(0, (await Send("search", """{"table":"quotes","filters":{"author":{"$like":"edsger%"}}}"""))["rows"].GetArrayLength());

        var random = await Send("select", """{"table":"quotes","filters":{},"random":1}""");
        var picked = random["rows"][0];
        Assert.IsFalse(string.IsNullOrEmpty(picked.GetProperty("text").GetString()));
        Assert.EndsWith("Z", picked.GetProperty("created_at").GetString()!);

        var count = await Send("search", """{"table":"quotes","limit":1,"count":true}""");
        Assert.AreEqual(4, count["total"].GetInt32());
        Assert.IsTrue(count["truncated"].GetBoolean());

        var deleted = await Send("delete", $$"""{"table":"quotes","id":{{lastId}}}""");
        Assert.AreEqual(1, deleted["deleted"].GetInt32());
        Assert.IsFalse((await Send("select", $$"""{"table":"quotes","id":{{lastId}}}"""))["exists"].GetBoolean());
        Assert.AreEqual(3, (await Send("search", """{"table":"quotes","count":true}"""))["total"].GetInt32());
    }

    private static async Task<Reply> Request(string backend, string subject, string json)
    {
        var reply = await TestHosts.RequestAsync(backend, subject, json);
        Assert.IsFalse(reply.IsError, $"{subject}: {reply.Body}");
        return reply;
    }
}
