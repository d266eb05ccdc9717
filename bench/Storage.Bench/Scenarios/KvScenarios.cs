using System.Text;

namespace Storage.Bench.Scenarios;

/// <summary>
/// The KV tier as a plugin uses it: set and get of 128-byte values over 1000 keys, incr of 1000
/// counters, and a prefix list returning 100 keys (10 prefixes of 100 keys each).
/// </summary>
internal static class KvScenarios
{
    public static IEnumerable<Scenario> Create(BenchContext context, string backend)
    {
        yield return new KvScenario(context, backend, "set");
        yield return new KvScenario(context, backend, "get");
        yield return new KvScenario(context, backend, "incr");
        yield return new KvScenario(context, backend, "list");
    }

    /// <summary>The soak's load: set and get alternating per worker over the same 1000 keys.</summary>
    public static Scenario SetGet(BenchContext context, string backend) => new KvScenario(context, backend, "set_get");

    private sealed class KvScenario(BenchContext context, string backend, string op) : ServiceScenario(context, backend)
    {
        private const int ListPrefixes = 10;
        private const int KeysPerPrefix = 100;
        private byte[][] _bodies = [];
        private byte[][] _gets = [];

        public override string Name => $"kv_{op}";

        protected override async Task PrepareAsync(CancellationToken cancellationToken)
        {
            var sets = Enumerable.Range(0, BenchData.KeyCount).Select(i => Body($$"""{"key":"{{BenchData.Key(i)}}","value":{{BenchData.ValueJson}}}""")).ToArray();
            switch (op)
            {
                case "set":
                    _bodies = sets;
                    break;
                case "set_get":
                    _bodies = sets;
                    _gets = Enumerable.Range(0, BenchData.KeyCount).Select(i => Body($$"""{"key":"{{BenchData.Key(i)}}"}""")).ToArray();
                    break;
                case "get":
                    await Parallel.ForEachAsync(sets, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                        async (body, token) => await RequestAsync(Kv("set"), body, token));
                    _bodies = Enumerable.Range(0, BenchData.KeyCount).Select(i => Body($$"""{"key":"{{BenchData.Key(i)}}"}""")).ToArray();
                    break;
                case "incr":
                    _bodies = Enumerable.Range(0, BenchData.KeyCount).Select(i => Body($$"""{"key":"counter:{{i:D4}}"}""")).ToArray();
                    break;
                default:
                    var keys = Enumerable.Range(0, ListPrefixes * KeysPerPrefix)
                        .Select(i => Body($$"""{"key":"list:{{i / KeysPerPrefix:D2}}:{{i % KeysPerPrefix:D3}}","value":{{BenchData.ValueJson}}}"""));
                    await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                        async (body, token) => await RequestAsync(Kv("set"), body, token));
                    _bodies = Enumerable.Range(0, ListPrefixes).Select(p => Body($$"""{"prefix":"list:{{p:D2}}:"}""")).ToArray();
                    var first = Encoding.UTF8.GetString((await RequestAsync(Kv("list"), _bodies[0], cancellationToken)).AsSpan());
                    if (first.Split("list:00:", StringSplitOptions.None).Length - 1 != KeysPerPrefix)
                        throw new InvalidOperationException($"list should return {KeysPerPrefix} keys: {first}");
                    break;
            }
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken)
        {
            var index = KeyIndex(worker, iteration);
            if (op == "set_get")
                await RequestAsync(Kv(iteration % 2 == 0 ? "set" : "get"), iteration % 2 == 0 ? _bodies[index] : _gets[index], cancellationToken);
            else
                await RequestAsync(Kv(op), _bodies[index % _bodies.Length], cancellationToken);
        }

        private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);
    }
}
