namespace Storage.Client;

/// <summary>Per-query limits and extras; null means the service's default.</summary>
public sealed record SqlQueryOptions
{
    /// <summary>Statement time limit in ms (default 5000, max 30000).</summary>
    public int? TimeoutMs { get; init; }

    /// <summary>Rows returned at most (default 1000, max 10000); more sets <c>truncated</c>.</summary>
    public int? MaxRows { get; init; }

    /// <summary>Adds the database's plan and timing.</summary>
    public bool Explain { get; init; }

    /// <summary>Allows INSERT/UPDATE/DELETE (the request then carries a <c>request_id</c>).</summary>
    public bool AllowWrite { get; init; }
}
