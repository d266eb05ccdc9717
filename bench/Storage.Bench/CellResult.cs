namespace Storage.Bench;

/// <summary>
/// One row of the result table; latencies in milliseconds. The host columns (service scenarios
/// only) come from the host process's /proc: CPU time used during the measured phase and its peak
/// resident memory during the cell.
/// </summary>
internal sealed record CellResult(string Scenario, string Backend, int Concurrency, double OpsPerSecond, double P50, double P95, double P99, string? Error = null)
{
    /// <summary>The backend group the cell ran in: a baseline runs in each group, next to that backend's service cells.</summary>
    public string Group { get; init; } = "";

    /// <summary>Which interleaved round (0-based) the cell belongs to.</summary>
    public int Round { get; init; }

    public long Operations { get; init; }

    public double Seconds { get; init; }

    /// <summary>Host CPU milliseconds (user + system) during the measured phase.</summary>
    public double? HostCpuMs { get; init; }

    /// <summary>Host peak RSS (VmHWM) during the cell, MiB.</summary>
    public double? HostPeakMb { get; init; }

    public double? HostCpuMsPerThousandOps => HostCpuMs is { } cpu && Operations > 0 ? cpu * 1000 / Operations : null;

    /// <summary>Host CPU as a percentage of one core (200% = both cores of this machine).</summary>
    public double? HostCpuPercent => HostCpuMs is { } cpu && Seconds > 0 ? cpu / (Seconds * 10) : null;
}
