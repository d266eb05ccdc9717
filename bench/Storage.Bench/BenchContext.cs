using Storage.Bench.Infrastructure;

namespace Storage.Bench;

/// <summary>The servers of this run, shared by every scenario.</summary>
internal sealed record BenchContext(string NatsUrl, string? PostgresConnectionString, string WorkDirectory)
{
    /// <summary>The storage service process (one backend at a time).</summary>
    public ServiceHosts Hosts { get; } = new();
}
