using System.Text.Json;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

/// <summary>
/// The trivia reference plugin end to end through NATS: its migration, KV for the active game,
/// rounds and <c>$inc</c> stats through the row tier, and the aggregate leaderboard through the SQL tier.
/// </summary>
[TestClass]
public sealed class TriviaEndToEndTests
{
    private const string Leaderboard =
        "SELECT user_id, COUNT(*) as wins FROM trivia_rounds WHERE result = :result AND timestamp > :since GROUP BY user_id ORDER BY wins DESC LIMIT :limit";

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Trivia_plugin_plays_rounds_and_ranks_players(string backend)
    {
        var plugin = TestPlugins.New("trivia");
        await CreateTablesAsync(backend, plugin);
        await StartGameAsync(backend, plugin, "What is 6 x 7?", "42");
        Assert.AreEqual("42", (await ActiveGameAsync(backend, plugin)).GetProperty("answer").GetString());

        var plays = new (string User, string Result, string At)[]
        {
            ("ada", "win", "2025-11-22T10:00:00Z"), ("ada", "win", "2025-11-22T10:01:00Z"), ("ada", "win", "2025-11-22T10:02:00Z"),
            ("bob", "win", "2025-11-22T10:03:00Z"), ("bob", "lose", "2025-11-22T10:04:00Z"), ("bob", "win", "2025-11-22T10:05:00Z"),
            ("cy", "win", "2025-11-20T09:00:00Z"), ("cy", "win", "2025-11-20T09:01:00Z"), ("cy", "win", "2025-11-22T10:06:00Z"),
            ("cy", "lose", "2025-11-22T10:07:00Z"),
        };
        foreach (var (user, result, at) in plays)
        {
            await RecordRoundAsync(backend, plugin, user, result, at);
            await IncrementStatsAsync(backend, plugin, user, won: result == "win");
        }
        await EndGameAsync(backend, plugin);
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", """{"key":"game:active"}"""))["exists"].GetBoolean());

        var stats = await StatsLeaderboardAsync(backend, plugin);
        Assert.AreEqual("""[{"user_id":"ada","wins":3,"played":3},{"user_id":"cy","wins":3,"played":4},{"user_id":"bob","wins":2,"played":3}]""", stats);

        var since = await AggregateLeaderboardAsync(backend, plugin, since: "2025-11-21T00:00:00Z", limit: 2);
        Assert.AreEqual("""[{"user_id":"ada","wins":3},{"user_id":"bob","wins":2}]""", since.GetProperty("rows").GetRawText());
        Assert.AreEqual("""["user_id","wins"]""", since.GetProperty("columns").GetRawText());
    }

    // The plugin's migration: rounds and stats tables, applied through db.migrate.
    private static async Task CreateTablesAsync(string backend, PluginId plugin)
    {
        const string Postgres = """
            CREATE TABLE trivia_rounds (id bigserial PRIMARY KEY, user_id text NOT NULL, result text NOT NULL, timestamp timestamptz NOT NULL);
            CREATE INDEX trivia_rounds_result_time ON trivia_rounds (result, timestamp);
            CREATE TABLE trivia_stats (id bigserial PRIMARY KEY, user_id text NOT NULL UNIQUE, wins integer NOT NULL DEFAULT 0, played integer NOT NULL DEFAULT 0);
            """;
        const string Sqlite = """
            CREATE TABLE trivia_rounds (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, result TEXT NOT NULL, timestamp TIMESTAMP NOT NULL);
            CREATE INDEX trivia_rounds_result_time ON trivia_rounds (result, timestamp);
            CREATE TABLE trivia_stats (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, wins INTEGER NOT NULL DEFAULT 0, played INTEGER NOT NULL DEFAULT 0);
            """;
        var up = JsonSerializer.Serialize(new Dictionary<string, string> { ["postgres"] = Postgres, ["sqlite"] = Sqlite });
        var reply = await TestHosts.RequestAsync(backend, $"db.migrate.{plugin}",
            $$"""{"action":"apply","migrations":[{"version":"001_trivia","up":{{up}},"down":"DROP TABLE trivia_stats; DROP TABLE trivia_rounds;"}]}""");
        Assert.IsFalse(reply.IsError, reply.Body.ToString());
    }

    private static async Task StartGameAsync(string backend, PluginId plugin, string question, string answer)
    {
        var value = JsonSerializer.Serialize(new Dictionary<string, string> { ["question"] = question, ["answer"] = answer });
        var reply = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", $$"""{"key":"game:active","value":{{value}},"ttl":300}""");
        Assert.IsFalse(reply.IsError, reply.Body.ToString());
    }

    private static async Task<JsonElement> ActiveGameAsync(string backend, PluginId plugin)
    {
        var reply = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", """{"key":"game:active"}""");
        Assert.IsTrue(reply["exists"].GetBoolean(), reply.Body.ToString());
        return reply["value"];
    }

    private static async Task EndGameAsync(string backend, PluginId plugin) =>
        Assert.IsTrue((await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.delete", """{"key":"game:active"}"""))["deleted"].GetBoolean());

    private static Task RecordRoundAsync(string backend, PluginId plugin, string user, string result, string at) =>
        RowAsync(backend, plugin, "insert", $$$"""{"table":"trivia_rounds","data":{"user_id":"{{{user}}}","result":"{{{result}}}","timestamp":"{{{at}}}"}}""");

    // One atomic statement per round: $inc on the player's stats, inserted on the first round (upsert).
    private static Task IncrementStatsAsync(string backend, PluginId plugin, string user, bool won) =>
        RowAsync(backend, plugin, "update",
            $$$"""{"table":"trivia_stats","filters":{"user_id":"{{{user}}}"},"operations":{"$inc":{"wins":{{{(won ? 1 : 0)}}},"played":1}},"upsert":true}""");

    private static async Task<string> StatsLeaderboardAsync(string backend, PluginId plugin)
    {
        var reply = await RowAsync(backend, plugin, "search",
            """{"table":"trivia_stats","sort":[{"field":"wins","order":"desc"},{"field":"user_id","order":"asc"}],"fields":["user_id","wins","played"],"limit":10}""");
        var rows = reply.GetProperty("rows").EnumerateArray()
            .Select(r => new Dictionary<string, object> { ["user_id"] = r.GetProperty("user_id").GetString()!, ["wins"] = r.GetProperty("wins").GetInt32(), ["played"] = r.GetProperty("played").GetInt32() });
        return JsonSerializer.Serialize(rows);
    }

    private static async Task<JsonElement> RowAsync(string backend, PluginId plugin, string op, string json)
    {
        var reply = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.{op}", json);
        Assert.IsFalse(reply.IsError, $"{op}: {reply.Body}");
        return reply.Body;
    }

    // The SQL tier's own job: the aggregate leaderboard.
    private static Task<JsonElement> AggregateLeaderboardAsync(string backend, PluginId plugin, string since, int limit) =>
        SqlAsync(backend, plugin, Leaderboard, $$"""{"result":"win","since":"{{since}}","limit":{{limit}} }""");

    private static async Task<JsonElement> SqlAsync(string backend, PluginId plugin, string query, string parameters, bool allowWrite = false)
    {
        var reply = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query",
            $$"""{"query":{{SqlTestSchema.Quote(query)}},"params":{{parameters}},"allow_write":{{(allowWrite ? "true" : "false")}} }""");
        Assert.IsFalse(reply.IsError, $"{query}: {reply.Body}");
        return reply.Body;
    }
}
