using System.Text;

namespace Storage.Bench.Scenarios;

/// <summary>
/// The row tier on the trivia data set (<see cref="TriviaDataset"/>, 100,000 rounds): insert of one
/// row (128-byte payload) into its own table, select by id, search with an indexed filter (a
/// player's last 10 rounds: <c>user_id</c> equality, sorted by <c>timestamp</c> desc, index on
/// both), and a <c>$inc</c> update of a player's stats row by id.
/// </summary>
internal static class RowScenarios
{
    public static IEnumerable<Scenario> Create(BenchContext context, string backend)
    {
        yield return new RowScenario(context, backend, "insert");
        yield return new RowScenario(context, backend, "select");
        yield return new RowScenario(context, backend, "search");
        yield return new RowScenario(context, backend, "inc");
    }

    private sealed class RowScenario(BenchContext context, string backend, string kind) : ServiceScenario(context, backend)
    {
        private byte[][] _bodies = [];

        public override string Name => $"row_{kind}";

        protected override async Task PrepareAsync(CancellationToken cancellationToken)
        {
            var data = await DatasetAsync(cancellationToken);
            _bodies = kind switch
            {
                "insert" => Bodies(i => $$"""{"table":"bench_events","data":{"user_id":"{{TriviaDataset.Player(i)}}","payload":"{{BenchData.ValueText}}","created_at":"{{TriviaDataset.Timestamp(TriviaDataset.Start.AddMinutes(i))}}"} }"""),
                // Ids spread over the whole table (1000 of the 100,000, every 100th).
                "select" => Bodies(i => $$"""{"table":"trivia_rounds","id":{{data.RoundIds[i * (TriviaDataset.Rounds / BenchData.KeyCount)]}} }"""),
                "search" => Bodies(i => $$"""{"table":"trivia_rounds","filters":{"user_id":"{{TriviaDataset.Player(i)}}"},"sort":{"field":"timestamp","order":"desc"},"limit":10}"""),
                _ => Bodies(i => $$"""{"table":"trivia_stats","id":{{data.StatIds[i % data.StatIds.Length]}},"operations":{"$inc":{"wins":1,"played":1} } }"""),
            };
            if (kind == "search")
            {
                var reply = Encoding.UTF8.GetString(await RequestAsync(Row("search"), _bodies[0], cancellationToken));
                if (reply.Split("\"user_id\"", StringSplitOptions.None).Length - 1 != 10)
                    throw new InvalidOperationException($"search should return 10 rows: {reply}");
            }
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken) =>
            await RequestAsync(Row(kind == "inc" ? "update" : kind), _bodies[KeyIndex(worker, iteration)], cancellationToken);

        private static byte[][] Bodies(Func<int, string> json) =>
            Enumerable.Range(0, BenchData.KeyCount).Select(i => Encoding.UTF8.GetBytes(json(i))).ToArray();
    }
}
