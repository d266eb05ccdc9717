using LinqToDB.Mapping;

namespace Storage.Migrations.Internal;

/// <summary>A plugin's migration lock row (<c>_storage.migration_locks</c>): applies of one plugin hold it FOR UPDATE.</summary>
[Table(Schema = "_storage", Name = "migration_locks")]
internal sealed class MigrationLockRow
{
    [Column("schema_name"), PrimaryKey] public string SchemaName { get; set; } = "";
}
