namespace Storage.Migrations.Internal;

/// <summary>A validated migration resolved for the current backend, with the checksum of its <c>up</c>.</summary>
internal sealed record PendingMigration(string Version, string Up, string? Down, string Checksum);
