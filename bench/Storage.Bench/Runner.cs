using System.Diagnostics;
using HdrHistogram;
using Storage.Bench.Infrastructure;

namespace Storage.Bench;

/// <summary>Drives a scenario with N concurrent workers: a warm-up, then a measured fixed duration.</summary>
internal static class Runner
{
    private const long HighestMicroseconds = 60_000_000;

    public static async Task<CellResult> RunCellAsync(Scenario scenario, int concurrency, BenchOptions options, CancellationToken cancellationToken)
    {
        if (options.WarmupSeconds > 0)
            await PhaseAsync(scenario, concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);
        var pid = scenario.HostPid;
        if (pid is { } p)
            ProcStats.ResetPeak(p); // when refused, VmHWM is the peak since the host started: still an upper bound
        var cpuBefore = pid is { } p1 ? ProcStats.CpuMilliseconds(p1) : 0;
        var measuredFrom = Stopwatch.GetTimestamp();
        var (operations, elapsed, histogram) = await PhaseAsync(scenario, concurrency, TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken);
        // CLOCK_MONOTONIC seconds on Linux: cut a `perf record -k CLOCK_MONOTONIC` of the host into cells.
        Console.Error.WriteLine($"[measured] {scenario.Name} {scenario.Backend} c={concurrency} {Seconds(measuredFrom):F3} {Seconds(Stopwatch.GetTimestamp()):F3}");
        double? cpu = pid is { } p2 ? ProcStats.CpuMilliseconds(p2) - cpuBefore : null;
        double? peak = pid is { } p3 ? ProcStats.PeakRssMegabytes(p3) : null;
        static double Ms(long microseconds) => microseconds / 1000.0;
        return new CellResult(scenario.Name, scenario.Backend, concurrency, operations / elapsed.TotalSeconds,
            Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(95)), Ms(histogram.GetValueAtPercentile(99)))
        {
            Operations = operations,
            Seconds = elapsed.TotalSeconds,
            HostCpuMs = cpu,
            HostPeakMb = peak,
        };
    }

    private static double Seconds(long timestamp) => (double)timestamp / Stopwatch.Frequency;

    public static async Task<(long Operations, TimeSpan Elapsed, LongHistogram Histogram)> PhaseAsync(
        Scenario scenario, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            // One histogram per worker: HdrHistogram's recorders are not thread-safe.
            var histogram = new LongHistogram(HighestMicroseconds, 3);
            long iteration = 0;
            while (true)
            {
                var before = Stopwatch.GetTimestamp();
                if (before >= stopAt)
                    break;
                await scenario.RunOnceAsync(worker, iteration++, cancellationToken);
                var micros = (Stopwatch.GetTimestamp() - before) * 1_000_000 / Stopwatch.Frequency;
                histogram.RecordValue(Math.Clamp(micros, 1, HighestMicroseconds));
            }
            return (iteration, histogram);
        }, cancellationToken)).ToArray();
        var results = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var total = new LongHistogram(HighestMicroseconds, 3);
        foreach (var (_, histogram) in results)
            total.Add(histogram);
        return (results.Sum(r => r.iteration), elapsed, total);
    }
}
