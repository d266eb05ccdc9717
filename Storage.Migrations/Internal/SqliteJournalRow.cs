using LinqToDB.Mapping;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>A row of a SQLite plugin file's journal (<c>_storage_migrations</c>); times are ISO-8601 UTC text.</summary>
[Table(ServiceTables.Migrations)]
internal sealed class SqliteJournalRow
{
    [Column("version"), PrimaryKey] public string Version { get; set; } = "";
    [Column("position")] public long Position { get; set; }
    [Column("checksum"), NotNull] public string Checksum { get; set; } = "";
    [Column("down_script")] public string? DownScript { get; set; }
    [Column("applied_at"), NotNull] public string AppliedAt { get; set; } = "";
    [Column("duration_ms")] public long DurationMs { get; set; }
}
