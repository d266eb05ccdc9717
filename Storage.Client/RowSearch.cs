namespace Storage.Client;

/// <summary>What a search asks for; every part is optional (all rows, ordered by id, 100 per page).</summary>
public sealed record RowSearch
{
    /// <summary>Which rows; null for all.</summary>
    public Filter? Where { get; init; }

    /// <summary>Order, most significant first (at most 16); the id is always added last.</summary>
    public IReadOnlyList<Sort>? OrderBy { get; init; }

    /// <summary>Rows per page, 1..1000 (default 100).</summary>
    public int? Limit { get; init; }

    /// <summary>Rows to skip (prefer <see cref="After"/> for paging).</summary>
    public int? Offset { get; init; }

    /// <summary>A <see cref="RowPage{T}.Next"/> cursor from the same table and order.</summary>
    public string? After { get; init; }

    /// <summary>Only these columns.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>Whether to count all matching rows (<see cref="RowPage{T}.Total"/>).</summary>
    public bool Count { get; init; }
}
