using System.Globalization;
using System.Text;

namespace Storage.Bench;

/// <summary>The markdown result table and the closing ratio line (ops/s ratios at concurrency 64, or the highest run).</summary>
internal static class Report
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
    ];

    public static string Table(IReadOnlyList<CellResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | backend | concurrency | ops/s | p50 ms | p95 ms | p99 ms | host CPU ms/1k ops | host CPU % | host peak RSS MiB |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            if (r.Error is not null)
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Backend} | {r.Concurrency} | failed: {r.Error} | | | | | | |");
            else
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Scenario} | {r.Backend} | {r.Concurrency} | {r.OpsPerSecond:F0} | {r.P50:F3} | {r.P95:F3} | {r.P99:F3} | {Num(r.HostCpuMsPerThousandOps, "F0")} | {Num(r.HostCpuPercent, "F0")} | {Num(r.HostPeakMb, "F1")} |");
        }
        return text.ToString();
    }

    public static string RatioLine(IReadOnlyList<CellResult> results)
    {
        var concurrency = TargetConcurrency(results);
        var parts = Ratios
            .Select(ratio => (ratio.Name, Value: Ratio(results, concurrency, ratio.Over, ratio.Under)))
            .Where(r => r.Value is not null)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Name}={r.Value!.Value:F2}"));
        return string.Create(CultureInfo.InvariantCulture, $"ratios c={concurrency} ") + string.Join(' ', parts);
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
        Check("kv_get sqlite >= 1.0x jetstream_get", Ratio(results, c, ("kv_get", "sqlite"), ("jetstream_get", "nats")), true, 1.0, "x");
        Check("kv_set sqlite >= 1.0x jetstream_put", Ratio(results, c, ("kv_set", "sqlite"), ("jetstream_put", "nats")), true, 1.0, "x");
        Check("kv_get sqlite >= 0.7x echo", Ratio(results, c, ("kv_get", "sqlite"), ("echo", "nats")), true, 0.7, "x");
        Check("kv_set sqlite >= 0.7x echo", Ratio(results, c, ("kv_set", "sqlite"), ("echo", "nats")), true, 0.7, "x");
        Check("kv_set postgres >= 1.5x npgsql one-commit upsert", Ratio(results, c, ("kv_set", "postgres"), ("db_upsert", "postgres")), true, 1.5, "x");
        Check("kv_get sqlite p99 < 5 ms", Cell(results, c, "kv_get", "sqlite")?.P99, false, 5, "ms", Cell(results, 1, "kv_get", "sqlite")?.P99);
        Check("kv_set sqlite p99 < 5 ms", Cell(results, c, "kv_set", "sqlite")?.P99, false, 5, "ms", Cell(results, 1, "kv_set", "sqlite")?.P99);
        foreach (var backend in ScenarioCatalog.ServiceBackends)
        {
            Check($"row_search {backend} p95 < 5 ms (100,000 rows)", Cell(results, c, "row_search", backend)?.P95, false, 5, "ms", Cell(results, 1, "row_search", backend)?.P95);
            Check($"sql_leaderboard {backend} p95 < 20 ms (100,000 rows)", Cell(results, c, "sql_leaderboard", backend)?.P95, false, 20, "ms", Cell(results, 1, "sql_leaderboard", backend)?.P95);
        }
        var peaks = results.Select(r => r.HostPeakMb).OfType<double>().Concat(soaks.Select(s => s.PeakMb)).ToList();
        var peak = peaks.Count == 0 ? (double?)null : peaks.Max();
        text.AppendLine(CultureInfo.InvariantCulture, $"- host peak RSS < 200 MiB (all cells and soaks): {(peak is { } p ? $"{p:F1} MiB -> {(p < 200 ? "met" : "NOT met")}" : "- -> not measured")}");
        text.Append(soaks.Count == 0
            ? "- host RSS flat over a 60 s soak: - -> not measured (run with --soak 60)"
            : $"- host RSS flat over the soak ({string.Join(", ", soaks.Select(s => s.Backend + (s.Flat ? " flat" : " growing")))}): {(soaks.All(s => s.Flat) ? "met" : "NOT met")}");
        return text.ToString();
    }

    private static int TargetConcurrency(IReadOnlyList<CellResult> results)
    {
        var ok = results.Where(r => r.Error is null).ToList();
        return ok.Count == 0 ? 64 : ok.Any(r => r.Concurrency == 64) ? 64 : ok.Max(r => r.Concurrency);
    }

    private static CellResult? Cell(IReadOnlyList<CellResult> results, int concurrency, string scenario, string backend) =>
        results.FirstOrDefault(r => r.Error is null && r.Scenario == scenario && r.Backend == backend && r.Concurrency == concurrency);

    private static double? Ratio(IReadOnlyList<CellResult> results, int concurrency, (string Scenario, string Backend) over, (string Scenario, string Backend) under) =>
        Cell(results, concurrency, over.Scenario, over.Backend)?.OpsPerSecond is { } a && Cell(results, concurrency, under.Scenario, under.Backend)?.OpsPerSecond is { } b and > 0
            ? a / b
            : null;

    private static string Num(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";
}
