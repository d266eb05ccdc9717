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
        ("kv_set/sqlite_upsert", ("kv_set", "sqlite"), ("db_upsert", "sqlite")),
        ("kv_get/sqlite_get", ("kv_get", "sqlite"), ("db_get", "sqlite")),
        ("pg_kv_get/jetstream_get", ("kv_get", "postgres"), ("jetstream_get", "nats")),
        ("pg_kv_set/npgsql_upsert", ("kv_set", "postgres"), ("db_upsert", "postgres")),
        ("pg_kv_get/npgsql_get", ("kv_get", "postgres"), ("db_get", "postgres")),
    ];

    public static string Table(IReadOnlyList<CellResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| scenario | backend | concurrency | ops/s | p50 ms | p95 ms | p99 ms |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            if (r.Error is not null)
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Backend} | {r.Concurrency} | failed: {r.Error} | | | |");
            else
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Backend} | {r.Concurrency} | {r.OpsPerSecond:F0} | {r.P50:F3} | {r.P95:F3} | {r.P99:F3} |");
        }
        return text.ToString();
    }

    public static string RatioLine(IReadOnlyList<CellResult> results)
    {
        var ok = results.Where(r => r.Error is null).ToList();
        if (ok.Count == 0)
            return "ratios (none)";
        var concurrency = ok.Any(r => r.Concurrency == 64) ? 64 : ok.Max(r => r.Concurrency);
        double? Ops((string Scenario, string Backend) cell) =>
            ok.FirstOrDefault(r => r.Scenario == cell.Scenario && r.Backend == cell.Backend && r.Concurrency == concurrency)?.OpsPerSecond;
        var parts = Ratios
            .Select(ratio => (ratio.Name, Over: Ops(ratio.Over), Under: Ops(ratio.Under)))
            .Where(r => r.Over is not null && r.Under is > 0)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Name}={r.Over!.Value / r.Under!.Value:F2}"));
        return string.Create(CultureInfo.InvariantCulture, $"ratios c={concurrency} ") + string.Join(' ', parts);
    }
}
