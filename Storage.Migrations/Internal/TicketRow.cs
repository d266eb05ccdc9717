using LinqToDB.Mapping;

namespace Storage.Migrations.Internal;

/// <summary>A migration ticket (<c>_storage.migration_tickets</c>): the hash of a secret only this process knows, valid for one session.</summary>
[Table(Schema = "_storage", Name = "migration_tickets")]
internal sealed class TicketRow
{
    [Column("ticket_hash"), PrimaryKey] public byte[] TicketHash { get; set; } = [];
    [Column("schema_name"), NotNull] public string SchemaName { get; set; } = "";
    [Column("expires_at")] public DateTimeOffset ExpiresAt { get; set; }
}
