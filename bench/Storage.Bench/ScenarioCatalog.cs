using Storage.Bench.Scenarios;

namespace Storage.Bench;

/// <summary>
/// Every scenario family, in the order they run: baselines first, then the service, grouped by
/// backend (one service host runs at a time, see <see cref="Infrastructure.ServiceHosts"/>).
/// </summary>
internal static class ScenarioCatalog
{
    public static readonly string[] ServiceBackends = ["sqlite", "postgres"];

    public static IEnumerable<Scenario> All(BenchContext context) =>
        NatsEchoScenarios.Create(context)
            .Concat(JetStreamScenarios.Create(context))
            .Concat(DirectDatabaseScenarios.Create(context))
            .Concat(ServiceBackends.SelectMany(backend =>
                KvScenarios.Create(context, backend)
                    .Concat(RowScenarios.Create(context, backend))
                    .Concat(DirectSearchScenarios.Create(context, backend))
                    .Concat(SqlScenarios.Create(context, backend))
                    .Concat(SpreadScenarios.Create(context, backend))));

    /// <summary>
    /// The scenarios of one backend's group: the baselines (NATS and that backend's database alone)
    /// and the service on that backend, so pairs can run interleaved while that backend's host runs.
    /// </summary>
    public static List<Scenario> Group(BenchContext context, string backend) =>
        All(context).Where(s => s.Backend == "nats" || s.Backend == backend).ToList();
}
