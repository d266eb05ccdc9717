namespace Storage.Client;

/// <summary>One page of a search: <see cref="Next"/> is set when <see cref="Truncated"/>; <see cref="Total"/> only when asked (<see cref="RowSearch.Count"/>).</summary>
public sealed record RowPage<T>(IReadOnlyList<T> Rows, bool Truncated, string? Next, long? Total);
