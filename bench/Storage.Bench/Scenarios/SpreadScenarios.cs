using System.Text;
using System.Text.Json;

namespace Storage.Bench.Scenarios;

/// <summary>
/// The single-plugin KV and row cells spread round-robin over <c>--spread N</c> plugins (default
/// 1,000): <c>kv_get_1000p</c>, <c>kv_set_1000p</c> (one 128-byte key per plugin, 1,000 keys in all
/// like the single-plugin cells) and <c>row_select_1000p</c> (select by id from a 100-row table per
/// plugin, 100,000 rows in all). Every plugin is provisioned, migrated and seeded in the set-up,
/// outside the timed window; the host keeps its defaults apart from <c>--host-arg</c>, so the
/// open-plugin LRU (SQLite) and the connection budget (PostgreSQL) are what a deployment has.
/// </summary>
internal static class SpreadScenarios
{
    /// <summary>Rows per plugin in <c>row_select_1000p</c>.</summary>
    public const int RowsPerPlugin = 100;

    public static IEnumerable<Scenario> Create(BenchContext context, string backend)
    {
        if (context.Spread <= 0)
            yield break;
        yield return new SpreadScenario(context, backend, "kv_set");
        yield return new SpreadScenario(context, backend, "kv_get");
        yield return new SpreadScenario(context, backend, "row_select");
    }

    /// <summary>The name of the spread twin of a single-plugin scenario, e.g. <c>kv_get_1000p</c>.</summary>
    public static string Name(string single, int plugins) => $"{single}_{plugins}p";

    public static string Plugin(int index) => $"spread-{index:D5}";

    private sealed class SpreadScenario(BenchContext context, string backend, string single) : ServiceScenario(context, backend)
    {
        private const int Parallelism = 8;
        private readonly int _plugins = context.Spread;
        private string[] _subjects = [];
        private byte[][] _bodies = [];
        private long _next = -1;

        public override string Name => SpreadScenarios.Name(single, _plugins);

        protected override async Task PrepareAsync(CancellationToken cancellationToken)
        {
            var set = Encoding.UTF8.GetBytes($$"""{"key":"k","value":{{BenchData.ValueJson}}}""");
            var each = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
            switch (single)
            {
                case "kv_set" or "kv_get":
                    // Provisions every plugin (schema and role, or file) and writes the key gets read.
                    await Parallel.ForEachAsync(Enumerable.Range(0, _plugins), each, async (i, token) => await RequestAsync(Kv(i, "set"), set, token));
                    _subjects = Enumerable.Range(0, _plugins).Select(i => Kv(i, single[3..])).ToArray();
                    _bodies = [single == "kv_set" ? set : """{"key":"k"}"""u8.ToArray()];
                    break;
                default:
                    await Parallel.ForEachAsync(Enumerable.Range(0, _plugins), each, async (i, token) => await SeedRowsAsync(i, token));
                    _subjects = Enumerable.Range(0, _plugins).Select(i => Row(i, "select")).ToArray();
                    _bodies = Enumerable.Range(1, RowsPerPlugin).Select(id => Encoding.UTF8.GetBytes($$"""{"table":"spread_rows","id":{{id}}}""")).ToArray();
                    var reply = Encoding.UTF8.GetString(await RequestAsync(Row(_plugins - 1, "select"), _bodies[^1], cancellationToken));
                    if (!reply.Contains("\"exists\":true", StringComparison.Ordinal))
                        throw new InvalidOperationException($"row_select over {_plugins} plugins should find its row: {reply}");
                    break;
            }
        }

        // Round-robin over the plugins in arrival order, whichever worker asks: consecutive requests never share a plugin.
        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _next);
            var body = _bodies[(int)(n / _plugins % _bodies.Length)];
            await RequestAsync(_subjects[(int)(n % _plugins)], body, cancellationToken);
        }

        private async ValueTask SeedRowsAsync(int i, CancellationToken cancellationToken)
        {
            // Explicit ids and one portable statement: the same table on both backends.
            await RequestAsync($"db.migrate.{Plugin(i)}",
                """{"action":"apply","migrations":[{"version":"001_spread","up":"CREATE TABLE spread_rows (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, payload TEXT NOT NULL)","down":"DROP TABLE spread_rows"}]}""",
                cancellationToken);
            var rows = Enumerable.Range(1, RowsPerPlugin).Select(id => $$"""{"id":{{id}},"user_id":"user{{id:D4}}","payload":"{{BenchData.ValueText}}"}""");
            var body = new StringBuilder("""{"table":"spread_rows","data":[""").AppendJoin(',', rows).Append("]}").ToString();
            using var ids = JsonDocument.Parse(await RequestAsync(Row(i, "insert"), body, cancellationToken));
            if (ids.RootElement.GetProperty("ids").GetArrayLength() != RowsPerPlugin)
                throw new InvalidOperationException($"Seeding {Plugin(i)} should insert {RowsPerPlugin} rows: {ids.RootElement}");
            // One read too, so the plugin's read connection exists (where the host keeps it) before the timed window.
            await RequestAsync(Row(i, "select"), """{"table":"spread_rows","id":1}"""u8.ToArray(), cancellationToken);
        }

        private static string Kv(int plugin, string op) => $"db.kv.{Plugin(plugin)}.{op}";

        private static string Row(int plugin, string op) => $"db.row.{Plugin(plugin)}.{op}";
    }
}
