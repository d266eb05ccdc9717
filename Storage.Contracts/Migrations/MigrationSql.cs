using System.Text.Json.Serialization;
using Storage.Contracts.Internal;

namespace Storage.Contracts;

/// <summary>
/// A migration script. On the wire it is either one SQL string for both backends or an object
/// <c>{"postgres": "...", "sqlite": "..."}</c>; a backend without a script cannot run the migration.
/// </summary>
[JsonConverter(typeof(MigrationSqlJsonConverter))]
public sealed record MigrationSql(string? Postgres, string? Sqlite)
{
    /// <summary>The same SQL for both backends.</summary>
    public static MigrationSql Both(string sql) => new(sql, sql);
}
