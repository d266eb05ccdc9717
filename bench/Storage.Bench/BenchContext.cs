using Storage.Bench.Infrastructure;

namespace Storage.Bench;

/// <summary>The servers of this run, shared by every scenario.</summary>
internal sealed record BenchContext(string NatsUrl, string? PostgresConnectionString, string WorkDirectory)
{
    /// <summary>The storage service process (one backend at a time).</summary>
    public ServiceHosts Hosts { get; } = new();

    /// <summary>Plugins the <c>_Np</c> scenarios spread over (<c>--spread</c>); 0 leaves them out.</summary>
    public int Spread { get; init; }

    /// <summary>Extra <c>--Key=Value</c> switches for the cells' service host (<c>--host-arg</c>).</summary>
    public IReadOnlyList<string> HostArgs { get; init; } = [];
}
