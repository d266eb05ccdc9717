using System.Text;
using System.Text.Json;

namespace Storage.Bench.Scenarios;

/// <summary>
/// The SQL tier's aggregate: the trivia leaderboard (wins per player over the last ~7 days, top 10)
/// on 100,000 rounds with an index on (result, timestamp). The host runs with a SQL rate limit
/// high enough (1,000,000/s) that the per-plugin limit never throttles the bench plugin.
/// <c>sql_leaderboard_cached</c> is the same request with <c>"cache_ms": 1000</c> (the opt-in result
/// cache): what a leaderboard that may be a second stale costs.
/// </summary>
internal static class SqlScenarios
{
    public const string Leaderboard =
        "SELECT user_id, COUNT(*) as wins FROM trivia_rounds WHERE result = :result AND timestamp > :since GROUP BY user_id ORDER BY wins DESC LIMIT :limit";

    public static IEnumerable<Scenario> Create(BenchContext context, string backend)
    {
        yield return new LeaderboardScenario(context, backend, cached: false);
        yield return new LeaderboardScenario(context, backend, cached: true);
    }

    private sealed class LeaderboardScenario(BenchContext context, string backend, bool cached) : ServiceScenario(context, backend)
    {
        private byte[] _body = [];

        public override string Name => cached ? "sql_leaderboard_cached" : "sql_leaderboard";

        protected override async Task PrepareAsync(CancellationToken cancellationToken)
        {
            await DatasetAsync(cancellationToken);
            _body = Encoding.UTF8.GetBytes(
                $$"""{"query":{{JsonSerializer.Serialize(Leaderboard)}},"params":{"result":"win","since":"{{TriviaDataset.Since}}","limit":10}{{(cached ? ",\"cache_ms\":1000" : "")}} }""");
            using var reply = JsonDocument.Parse(await RequestAsync(Sql, _body, cancellationToken));
            var rows = reply.RootElement.GetProperty("rows");
            if (rows.GetArrayLength() != 10 || rows[0].GetProperty("wins").GetInt64() < 2)
                throw new InvalidOperationException($"The leaderboard should list 10 players: {reply.RootElement}");
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken) =>
            await RequestAsync(Sql, _body, cancellationToken);
    }
}
