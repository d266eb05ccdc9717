using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Storage.Bench;

/// <summary>The markdown result table and the closing ratio line (ops/s ratios at concurrency 64, or the highest run).</summary>
internal static partial class Report
{
    // name = (scenario, backend) of numerator and denominator.
    private static readonly (string Name, (string, string) Over, (string, string) Under)[] Ratios =
    [
        ("kv_get/jetstream_get", ("kv_get", "sqlite"), ("jetstream_get", "nats")),
        ("kv_set/jetstream_put", ("kv_set", "sqlite"), ("jetstream_put", "nats")),
        ("kv_get/echo", ("kv_get", "sqlite"), ("echo", "nats")),
        ("kv_set/echo", ("kv_set", "sqlite"), ("echo", "nats")),
        ("pg_kv_set/npgsql_upsert", ("kv_set", "postgres"), ("db_upsert", "postgres")),
        ("kv_set/sqlite_upsert", ("kv_set", "sqlite"), ("db_upsert", "sqlite")),
        ("kv_get/sqlite_get", ("kv_get", "sqlite"), ("db_get", "sqlite")),
        ("pg_kv_get/jetstream_get", ("kv_get", "postgres"), ("jetstream_get", "nats")),
        ("pg_kv_get/npgsql_get", ("kv_get", "postgres"), ("db_get", "postgres")),
        ("row_search/sqlite_search", ("row_search", "sqlite"), ("db_search", "sqlite")),
        ("pg_row_search/npgsql_search", ("row_search", "postgres"), ("db_search", "postgres")),
    ];

    /// <summary>One row per scenario, backend, group and concurrency: medians over its rounds, with the ops/s range.</summary>
    public static string Table(IReadOnlyList<CellResult> results, int repeat)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Cells at the highest concurrency ran {repeat} interleaved round(s) per backend group; each row is the median over its rounds, ops/s with its min-max.");
        text.AppendLine();
        text.AppendLine("| scenario | backend | group | concurrency | rounds | ops/s | ops/s min-max | p50 ms | p95 ms | p99 ms | host CPU ms/1k ops | host CPU % | host peak RSS MiB |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var failed in results.Where(r => r.Error is not null))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {failed.Scenario} | {failed.Backend} | {failed.Group} | | | failed: {failed.Error} | | | | | | | |");
        foreach (var row in Rows(results))
        {
            var m = row.Median;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Scenario} | {m.Backend} | {m.Group} | {m.Concurrency} | {row.Rounds} | {m.OpsPerSecond:F0} | {row.MinOps:F0}-{row.MaxOps:F0} | {m.P50:F3} | {m.P95:F3} | {m.P99:F3} | {Num(m.HostCpuMsPerThousandOps, "F0")} | {Num(m.HostCpuPercent, "F0")} | {Num(m.HostPeakMb, "F1")} |");
        }
        return text.ToString();
    }

    /// <summary>The closing line: every ratio's median over the interleaved rounds, with its min-max.</summary>
    public static string RatioLine(IReadOnlyList<CellResult> results)
    {
        var concurrency = TargetConcurrency(results);
        var parts = Ratios
            .Select(ratio => (ratio.Name, Value: Ratio(results, concurrency, ratio.Over, ratio.Under)))
            .Where(r => r.Value is not null)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Name}={r.Value!.Value.Median:F2} [{r.Value.Value.Min:F2}-{r.Value.Value.Max:F2}]"));
        parts = parts.Concat(SpreadPairs(results).Select(pair => (pair, Value: Ratio(results, concurrency, pair.Spread, pair.Single)))
            .Where(r => r.Value is not null)
            .Select(r => string.Create(CultureInfo.InvariantCulture,
                $"{r.pair.Spread.Scenario}/{r.pair.Single.Scenario}({r.pair.Single.Backend})={r.Value!.Value.Median:F2} [{r.Value.Value.Min:F2}-{r.Value.Value.Max:F2}]")));
        var rounds = results.Where(r => r.Error is null && r.Concurrency == concurrency).Select(r => r.Round + 1).DefaultIfEmpty(0).Max();
        return string.Create(CultureInfo.InvariantCulture, $"ratios c={concurrency} (median [min-max] of {rounds} interleaved rounds) ") + string.Join(' ', parts);
    }

    /// <summary>The issue's targets, each met / NOT met / not measured, at concurrency 64 (or the highest run).</summary>
    public static string Targets(IReadOnlyList<CellResult> results, IReadOnlyList<SoakResult> soaks)
    {
        var c = TargetConcurrency(results);
        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"targets (c={c}):");
        void Check(string target, double? actual, bool higherIsBetter, double limit, string unit, double? atOne = null)
        {
            var verdict = actual is not { } a ? "not measured" : (higherIsBetter ? a >= limit : a < limit) ? "met" : "NOT met";
            var value = actual is { } v ? v.ToString(unit == "x" ? "F2" : "F3", CultureInfo.InvariantCulture) + (unit == "x" ? "x" : " ms") : "-";
            // Latency at concurrency 1 too: what one request costs without queueing behind 63 others.
            var single = atOne is { } one && c != 1 ? string.Create(CultureInfo.InvariantCulture, $" (c=1: {one:F3} ms)") : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"- {target}: {value} -> {verdict}{single}");
        }
        Check("kv_get sqlite >= 1.0x jetstream_get", Ratio(results, c, ("kv_get", "sqlite"), ("jetstream_get", "nats"))?.Median, true, 1.0, "x");
        Check("kv_set sqlite >= 0.8x jetstream_put", Ratio(results, c, ("kv_set", "sqlite"), ("jetstream_put", "nats"))?.Median, true, 0.8, "x");
        Check("kv_get sqlite >= 0.7x echo", Ratio(results, c, ("kv_get", "sqlite"), ("echo", "nats"))?.Median, true, 0.7, "x");
        Check("kv_set sqlite >= 0.7x echo", Ratio(results, c, ("kv_set", "sqlite"), ("echo", "nats"))?.Median, true, 0.7, "x");
        Check("kv_set postgres >= 1.5x npgsql one-commit upsert", Ratio(results, c, ("kv_set", "postgres"), ("db_upsert", "postgres"))?.Median, true, 1.5, "x");
        Check("kv_get postgres >= 1.0x npgsql get", Ratio(results, c, ("kv_get", "postgres"), ("db_get", "postgres"))?.Median, true, 1.0, "x");
        Check("kv_get sqlite p99 < 5 ms", Cell(results, c, "kv_get", "sqlite")?.P99, false, 5, "ms", Cell(results, 1, "kv_get", "sqlite")?.P99);
        Check("kv_set sqlite p99 < 5 ms", Cell(results, c, "kv_set", "sqlite")?.P99, false, 5, "ms", Cell(results, 1, "kv_set", "sqlite")?.P99);
        foreach (var backend in ScenarioCatalog.ServiceBackends)
        {
            Check($"row_search {backend} p95 < 5 ms (100,000 rows)", Cell(results, c, "row_search", backend)?.P95, false, 5, "ms", Cell(results, 1, "row_search", backend)?.P95);
            Check($"sql_leaderboard {backend} p95 < 20 ms (100,000 rows)", Cell(results, c, "sql_leaderboard", backend)?.P95, false, 20, "ms", Cell(results, 1, "sql_leaderboard", backend)?.P95);
            Check($"sql_leaderboard_cached {backend} p95 < 20 ms (opt-in cache_ms=1000, up to 1 s stale)", Cell(results, c, "sql_leaderboard_cached", backend)?.P95, false, 20, "ms", Cell(results, 1, "sql_leaderboard_cached", backend)?.P95);
        }
        foreach (var (spread, single) in SpreadPairs(results))
        {
            var (many, one) = (Cell(results, c, spread.Scenario, spread.Backend), Cell(results, c, single.Scenario, single.Backend));
            var p99 = many is null || one is null ? "" : string.Create(CultureInfo.InvariantCulture, $" (p99 {many.P99:F3} ms vs {one.P99:F3} ms single; {many.OpsPerSecond:F0} vs {one.OpsPerSecond:F0} ops/s)");
            var ratio = Ratio(results, c, spread, single)?.Median;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {spread.Scenario} {spread.Backend} >= 0.8x {single.Scenario} (within 80% of single plugin): {(ratio is { } r ? $"{r:F2}x -> {(r >= 0.8 ? "met" : "NOT met")}" : "- -> not measured")}{p99}");
        }
        var peaks = results.Select(r => r.HostPeakMb).OfType<double>().Concat(soaks.Select(s => s.PeakMb)).ToList();
        var peak = peaks.Count == 0 ? (double?)null : peaks.Max();
        text.AppendLine(CultureInfo.InvariantCulture, $"- host peak RSS < 200 MiB (all cells and soaks): {(peak is { } p ? $"{p:F1} MiB -> {(p < 200 ? "met" : "NOT met")}" : "- -> not measured")}");
        text.Append(soaks.Count == 0
            ? "- host RSS flat over a 60 s soak: - -> not measured (run with --soak 60)"
            : $"- host RSS flat over the soak ({string.Join(", ", soaks.Select(s => s.Backend + (s.Flat ? " flat" : " growing")))}): {(soaks.All(s => s.Flat) ? "met" : "NOT met")}");
        return text.ToString();
    }

    /// <summary>Every spread cell (<c>kv_get_1000p</c>) run, with its single-plugin twin (<c>kv_get</c>) on the same backend.</summary>
    private static IEnumerable<((string Scenario, string Backend) Spread, (string Scenario, string Backend) Single)> SpreadPairs(IReadOnlyList<CellResult> results) =>
        results.Where(r => r.Error is null)
            .Select(r => (r.Scenario, r.Backend, Match: SpreadName().Match(r.Scenario)))
            .Where(r => r.Match.Success)
            .Select(r => ((r.Scenario, r.Backend), (r.Match.Groups[1].Value, r.Backend)))
            .Distinct();

    [GeneratedRegex(@"^(.+)_[0-9]+p$")]
    private static partial Regex SpreadName();

    private static int TargetConcurrency(IReadOnlyList<CellResult> results)
    {
        var ok = results.Where(r => r.Error is null).ToList();
        return ok.Count == 0 ? 64 : ok.Any(r => r.Concurrency == 64) ? 64 : ok.Max(r => r.Concurrency);
    }

    // The median row of a service or database cell: it runs in its own backend's group only.
    private static CellResult? Cell(IReadOnlyList<CellResult> results, int concurrency, string scenario, string backend) =>
        Rows(results).FirstOrDefault(r => r.Median.Scenario == scenario && r.Median.Backend == backend && r.Median.Group == backend && r.Median.Concurrency == concurrency)?.Median;

    /// <summary>
    /// One sample per round, both sides from the same round of the same group (the non-NATS side's
    /// backend); null when either side is missing.
    /// </summary>
    private static (double Median, double Min, double Max)? Ratio(IReadOnlyList<CellResult> results, int concurrency, (string Scenario, string Backend) over, (string Scenario, string Backend) under)
    {
        var group = over.Backend != "nats" ? over.Backend : under.Backend;
        CellResult? Find((string Scenario, string Backend) side, int round) =>
            results.FirstOrDefault(r => r.Error is null && r.Group == group && r.Scenario == side.Scenario && r.Backend == side.Backend && r.Concurrency == concurrency && r.Round == round);
        var samples = results.Where(r => r.Error is null && r.Group == group && r.Concurrency == concurrency).Select(r => r.Round).Distinct()
            .Select(round => (Over: Find(over, round), Under: Find(under, round)))
            .Where(p => p.Over is not null && p.Under is { OpsPerSecond: > 0 })
            .Select(p => p.Over!.OpsPerSecond / p.Under!.OpsPerSecond)
            .ToList();
        return samples.Count == 0 ? null : (Median(samples), samples.Min(), samples.Max());
    }

    private sealed record Row(CellResult Median, int Rounds, double MinOps, double MaxOps);

    // Median of every measured figure over a cell's rounds.
    private static IEnumerable<Row> Rows(IReadOnlyList<CellResult> results) =>
        results.Where(r => r.Error is null)
            .GroupBy(r => (r.Group, r.Scenario, r.Backend, r.Concurrency))
            .Select(g =>
            {
                var cells = g.ToList();
                double? MedianOf(Func<CellResult, double?> pick) => cells.Select(pick).OfType<double>().ToList() is { Count: > 0 } v ? Median(v) : null;
                var first = cells[0];
                var median = first with
                {
                    OpsPerSecond = Median(cells.Select(c => c.OpsPerSecond).ToList()),
                    P50 = Median(cells.Select(c => c.P50).ToList()),
                    P95 = Median(cells.Select(c => c.P95).ToList()),
                    P99 = Median(cells.Select(c => c.P99).ToList()),
                    // Rates from medians of the per-round figures, so the columns stay consistent with one another.
                    Operations = (long)Median(cells.Select(c => (double)c.Operations).ToList()),
                    Seconds = Median(cells.Select(c => c.Seconds).ToList()),
                    HostCpuMs = MedianOf(c => c.HostCpuMs),
                    HostPeakMb = cells.Select(c => c.HostPeakMb).Max(),
                };
                return new Row(median, cells.Count, cells.Min(c => c.OpsPerSecond), cells.Max(c => c.OpsPerSecond));
            });

    private static double Median(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static string Num(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
