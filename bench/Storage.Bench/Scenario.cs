namespace Storage.Bench;

/// <summary>
/// One measured operation on one backend. The runner calls <see cref="SetupAsync"/> once, then
/// <see cref="RunOnceAsync"/> from up to <c>maxConcurrency</c> workers at once, then disposes it.
/// Add a family of scenarios as one file under <c>Scenarios/</c> and list it in <see cref="ScenarioCatalog"/>.
/// </summary>
internal abstract class Scenario : IAsyncDisposable
{
    /// <summary>Operation name in the table, e.g. <c>kv_set</c>.</summary>
    public abstract string Name { get; }

    /// <summary>What serves it: <c>sqlite</c>, <c>postgres</c> or <c>nats</c>.</summary>
    public abstract string Backend { get; }

    /// <summary>The service host process serving this scenario, whose CPU and memory are reported; null for baselines.</summary>
    public virtual int? HostPid => null;

    /// <summary>Starts what the scenario needs and writes the keys it reads.</summary>
    public virtual Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One operation; <paramref name="worker"/> is stable per concurrent caller.</summary>
    public abstract ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Spreads workers over the key space so concurrent writers rarely touch the same key.</summary>
    protected static int KeyIndex(int worker, long iteration) => (int)((worker * 7919L + iteration) % BenchData.KeyCount);
}
