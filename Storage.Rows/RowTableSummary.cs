namespace Storage.Rows;

/// <summary>A plugin table and its exact row count.</summary>
public sealed record RowTableSummary(string Name, long Rows);
