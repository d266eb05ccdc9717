namespace Storage.Bench;

/// <summary>
/// Runs one backend's group: sets up its baselines and service scenarios once, then at each
/// concurrency runs every scenario once per round, in the same order each round (A B C A B C ...),
/// so a ratio's two sides are measured minutes apart at most and each round gives one ratio sample.
/// </summary>
internal static class Rounds
{
    public static async Task<List<CellResult>> RunGroupAsync(BenchContext context, string backend, BenchOptions options, CancellationToken cancellationToken)
    {
        var results = new List<CellResult>();
        var ready = new List<Scenario>();
        try
        {
            foreach (var scenario in ScenarioCatalog.Group(context, backend).Where(options.Wants))
            {
                try
                {
                    await scenario.SetupAsync(options.Concurrency.Max(), cancellationToken);
                    ready.Add(scenario);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await scenario.DisposeAsync();
                    Failed(results, scenario, backend, ex);
                }
            }
            foreach (var concurrency in options.Concurrency)
            {
                for (var round = 0; round < options.Rounds(concurrency); round++)
                {
                    foreach (var scenario in ready.ToList())
                    {
                        try
                        {
                            var cell = await Runner.RunCellAsync(scenario, concurrency, options, cancellationToken) with { Group = backend, Round = round };
                            results.Add(cell);
                            Console.Error.WriteLine($"[{backend} round {round + 1}] {cell.Scenario,-16} {cell.Backend,-9} c={cell.Concurrency,-4} {cell.OpsPerSecond,10:F0} ops/s  p50 {cell.P50:F3} ms  p95 {cell.P95:F3} ms  p99 {cell.P99:F3} ms");
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            ready.Remove(scenario);
                            await scenario.DisposeAsync();
                            Failed(results, scenario, backend, ex);
                        }
                    }
                }
            }
        }
        finally
        {
            foreach (var scenario in ready)
                await scenario.DisposeAsync();
        }
        return results;
    }

    private static void Failed(List<CellResult> results, Scenario scenario, string group, Exception ex)
    {
        Console.Error.WriteLine($"{scenario.Name} on {scenario.Backend} failed: {ex}");
        results.Add(new CellResult(scenario.Name, scenario.Backend, 0, 0, 0, 0, 0, ex.GetType().Name) { Group = group });
    }
}
