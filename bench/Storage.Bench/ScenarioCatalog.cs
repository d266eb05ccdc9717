using Storage.Bench.Scenarios;

namespace Storage.Bench;

/// <summary>Every scenario family, in the order they run: baselines first, then the service.</summary>
internal static class ScenarioCatalog
{
    public static IEnumerable<Scenario> All(BenchContext context) =>
        NatsEchoScenarios.Create(context)
            .Concat(JetStreamScenarios.Create(context))
            .Concat(DirectDatabaseScenarios.Create(context))
            .Concat(KvScenarios.Create(context));
}
