namespace Storage.Bench;

/// <summary>The servers of this run, shared by every scenario.</summary>
internal sealed record BenchContext(string NatsUrl, string? PostgresConnectionString, string WorkDirectory);
