namespace Storage.Migrations.Internal;

/// <summary>One row of a plugin's migration journal, in the order it was applied (<see cref="Position"/>).</summary>
internal sealed record JournalEntry(string Version, long Position, string Checksum, string? Down, DateTime AppliedAt, long DurationMs);
