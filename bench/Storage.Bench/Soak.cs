using Storage.Bench.Infrastructure;
using Storage.Bench.Scenarios;

namespace Storage.Bench;

/// <summary>
/// <c>--soak N</c>: KV set/get (alternating) at concurrency 64 for N seconds against the host
/// process, sampling its RSS every second so "flat" can be judged.
/// </summary>
internal static class Soak
{
    public const int Concurrency = 64;

    public static async Task<SoakResult> RunAsync(BenchContext context, string backend, double seconds, CancellationToken cancellationToken)
    {
        await using var scenario = KvScenarios.SetGet(context, backend);
        await scenario.SetupAsync(Concurrency, cancellationToken);
        var pid = scenario.HostPid ?? throw new InvalidOperationException("The soak needs the host process.");
        ProcStats.ResetPeak(pid);
        var samples = new List<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                    samples.Add(ProcStats.RssMegabytes(pid));
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        var cpuBefore = ProcStats.CpuMilliseconds(pid);
        var (operations, elapsed, histogram) = await Runner.PhaseAsync(scenario, Concurrency, TimeSpan.FromSeconds(seconds), cancellationToken);
        await stop.CancelAsync();
        await sampler;
        return new SoakResult(backend, operations / elapsed.TotalSeconds, histogram.GetValueAtPercentile(99) / 1000.0,
            ProcStats.CpuMilliseconds(pid) - cpuBefore, elapsed.TotalSeconds, ProcStats.PeakRssMegabytes(pid), samples.ToArray());
    }
}
