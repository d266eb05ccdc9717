using LinqToDB.Mapping;

using Storage.Core.Providers;
namespace Storage.Core.Internal;

/// <summary>A row of the plugin registry <c>_storage.plugins</c> (PostgreSQL): the schema and login role the service created.</summary>
[Table(Schema = PostgresNames.ServiceSchema, Name = "plugins")]
internal sealed class PluginRow
{
    [Column("plugin"), PrimaryKey]
    public string Plugin { get; set; } = "";

    [Column("schema_name"), NotNull]
    public string SchemaName { get; set; } = "";

    [Column("role_name"), NotNull]
    public string RoleName { get; set; } = "";

    [Column("password"), NotNull]
    public string Password { get; set; } = "";
}
