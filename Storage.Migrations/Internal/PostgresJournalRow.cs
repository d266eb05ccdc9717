using LinqToDB.Mapping;

namespace Storage.Migrations.Internal;

/// <summary>A row of the PostgreSQL journal <c>_storage.migration_journal</c>, one per applied migration of every plugin.</summary>
[Table(Schema = "_storage", Name = "migration_journal")]
internal sealed class PostgresJournalRow
{
    [Column("schema_name"), PrimaryKey(0)] public string SchemaName { get; set; } = "";
    [Column("version"), PrimaryKey(1)] public string Version { get; set; } = "";
    [Column("position")] public long Position { get; set; }
    [Column("checksum"), NotNull] public string Checksum { get; set; } = "";
    [Column("down_script")] public string? DownScript { get; set; }
    [Column("applied_at")] public DateTime AppliedAt { get; set; }
    [Column("duration_ms")] public long DurationMs { get; set; }
}
