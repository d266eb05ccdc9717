using System.Globalization;

namespace Storage.Bench;

/// <summary>The soak's outcome: throughput, and the host's RSS sampled once a second (MiB).</summary>
internal sealed record SoakResult(string Backend, double OpsPerSecond, double P99, double HostCpuMs, double Seconds, double PeakMb, double[] RssMb)
{
    /// <summary>Mean RSS over the first and the last 10 samples, skipping the first 5 s (warm-up: pools and caches fill).</summary>
    public (double Early, double Late) Window()
    {
        var settled = RssMb.Length > 20 ? RssMb[5..] : RssMb;
        var n = Math.Min(10, Math.Max(1, settled.Length / 3));
        return settled.Length == 0 ? (0, 0) : (settled[..n].Average(), settled[^n..].Average());
    }

    /// <summary>Flat: the late mean is at most 10% (and at least 5 MiB of slack) above the early mean.</summary>
    public bool Flat
    {
        get
        {
            var (early, late) = Window();
            return late - early <= Math.Max(5, early * 0.10);
        }
    }

    public string Line()
    {
        var (early, late) = Window();
        return RssMb.Length == 0
            ? $"soak {Backend}: no samples"
            : string.Create(CultureInfo.InvariantCulture,
                $"soak {Backend} c={Soak.Concurrency} {Seconds:F0}s: {OpsPerSecond:F0} ops/s, p99 {P99:F3} ms, host CPU {HostCpuMs / (Seconds * 10):F0}% of a core; " +
                $"host RSS MiB first {RssMb[0]:F1} min {RssMb.Min():F1} max {RssMb.Max():F1} last {RssMb[^1]:F1} peak(VmHWM) {PeakMb:F1}; " +
                $"early/late mean {early:F1}/{late:F1} -> {(Flat ? "flat" : "growing")}");
    }
}
