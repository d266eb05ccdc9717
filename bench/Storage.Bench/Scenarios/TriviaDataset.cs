using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Storage.Bench.Scenarios;

/// <summary>
/// The data the row and SQL scenarios share on one host: the trivia plugin's tables created through
/// <c>db.migrate</c> apply, then 100,000 rounds (about 1000 players, 30 days) and 1000 stats rows
/// bulk-loaded through <c>db.row.insert</c> in batches of 1000 rows (one transaction per batch).
/// </summary>
internal sealed record TriviaDataset(long[] RoundIds, long[] StatIds)
{
    public const int Rounds = 100_000;
    public const int Players = 1000;
    private const int Batch = 1000;

    /// <summary>Rounds are 26 s apart from here on, so 100,000 span about 30 days.</summary>
    public static readonly DateTime Start = new(2025, 10, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The leaderboard window: the last ~7 days of rounds (about 23,000 of them, about half wins).</summary>
    public static string Since => Timestamp(Start.AddDays(23));

    public static string Player(int index) => $"user{index % Players:D4}";

    public static string Timestamp(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'.'ffffff'Z'", CultureInfo.InvariantCulture);

    private const string PostgresUp = """
        CREATE TABLE trivia_rounds (id bigserial PRIMARY KEY, user_id text NOT NULL, result text NOT NULL, timestamp timestamptz NOT NULL);
        CREATE INDEX trivia_rounds_result_time ON trivia_rounds (result, timestamp, user_id);
        CREATE INDEX trivia_rounds_user_time ON trivia_rounds (user_id, timestamp);
        CREATE TABLE trivia_stats (id bigserial PRIMARY KEY, user_id text NOT NULL UNIQUE, wins integer NOT NULL DEFAULT 0, played integer NOT NULL DEFAULT 0);
        CREATE TABLE bench_events (id bigserial PRIMARY KEY, user_id text NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL);
        """;

    private const string SqliteUp = """
        CREATE TABLE trivia_rounds (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, result TEXT NOT NULL, timestamp TIMESTAMP NOT NULL);
        CREATE INDEX trivia_rounds_result_time ON trivia_rounds (result, timestamp, user_id);
        CREATE INDEX trivia_rounds_user_time ON trivia_rounds (user_id, timestamp);
        CREATE TABLE trivia_stats (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, wins INTEGER NOT NULL DEFAULT 0, played INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE bench_events (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL);
        """;

    /// <summary>Creates and fills the tables; <paramref name="request"/> sends one request and returns the reply (throwing on an error reply).</summary>
    public static async Task<TriviaDataset> LoadAsync(Func<string, string, CancellationToken, ValueTask<byte[]>> request, string plugin, CancellationToken cancellationToken)
    {
        var up = JsonSerializer.Serialize(new Dictionary<string, string> { ["postgres"] = PostgresUp, ["sqlite"] = SqliteUp });
        await request($"db.migrate.{plugin}",
            $$"""{"action":"apply","migrations":[{"version":"001_bench_trivia","up":{{up}},"down":"DROP TABLE bench_events; DROP TABLE trivia_stats; DROP TABLE trivia_rounds;"}]}""",
            cancellationToken);
        var stats = await InsertAsync(request, plugin, "trivia_stats", Enumerable.Range(0, Players).Select(p => $$"""{"user_id":"{{Player(p)}}"}"""), cancellationToken);
        var rounds = new long[Rounds];
        var batches = Enumerable.Range(0, Rounds / Batch).ToArray();
        // Two batches in flight: the load is I/O and commit bound, and batches are independent.
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (batch, token) =>
        {
            var rows = Enumerable.Range(batch * Batch, Batch).Select(Round);
            var ids = await InsertAsync(request, plugin, "trivia_rounds", rows, token);
            ids.CopyTo(rounds, batch * Batch);
        });
        return new TriviaDataset(rounds, stats);
    }

    // Deterministic, varied data: players spread evenly, win rates between 30% and 70% by player.
    private static string Round(int i)
    {
        var player = (int)((i * 7919L + i / 1000) % Players);
        var win = (i * 2654435761L % 100) < 30 + player % 41;
        return $$"""{"user_id":"{{Player(player)}}","result":"{{(win ? "win" : "lose")}}","timestamp":"{{Timestamp(Start.AddSeconds(i * 26.0))}}"}""";
    }

    private static async Task<long[]> InsertAsync(Func<string, string, CancellationToken, ValueTask<byte[]>> request, string plugin, string table, IEnumerable<string> rows, CancellationToken cancellationToken)
    {
        var body = new StringBuilder().Append($$"""{"table":"{{table}}","data":[""").AppendJoin(',', rows).Append("]}").ToString();
        var reply = await request($"db.row.{plugin}.insert", body, cancellationToken);
        using var json = JsonDocument.Parse(reply);
        return json.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetInt64()).ToArray();
    }
}
