namespace Storage.Bench;

/// <summary>One row of the result table; latencies in milliseconds.</summary>
internal sealed record CellResult(string Scenario, string Backend, int Concurrency, double OpsPerSecond, double P50, double P95, double P99, string? Error = null);
