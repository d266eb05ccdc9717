using System.Data.Common;
using Npgsql;
using Npgsql.PostgresTypes;

namespace Storage.Core.Internal;

/// <summary>A column's <see cref="DbValueKind"/> (and its array element's), from the provider's own type information.</summary>
internal static class DbValueKinds
{
    public static DbValueKind Of(DbDataReader reader, int ordinal)
    {
        if (reader is NpgsqlDataReader npgsql)
            return Postgres(npgsql.GetPostgresType(ordinal));
        return Sqlite(reader.GetDataTypeName(ordinal));
    }

    // Domains read as their base type; arrays as their element's kind (applied to each element).
    public static DbValueKind Postgres(PostgresType type) => type switch
    {
        PostgresDomainType domain => Postgres(domain.BaseType),
        PostgresArrayType array => Postgres(array.Element),
        _ => type.InternalName switch
        {
            "json" or "jsonb" => DbValueKind.Json,
            "numeric" => DbValueKind.Numeric,
            "interval" => DbValueKind.Interval,
            "timetz" => DbValueKind.TimeWithZone,
            _ => DbValueKind.Plain,
        },
    };

    /// <summary>
    /// SQLite has no storage class for these, so the declared type says it, with the row tier's
    /// precedence (JSON before BOOL before UUID/BLOB before TIMESTAMP): <c>JSONB</c> is JSON, a
    /// <c>BOOLEAN_BLOB</c> is a boolean. Expressions have no declared type and stay plain.
    /// </summary>
    public static DbValueKind Sqlite(string? declared)
    {
        var type = (declared ?? "").ToUpperInvariant();
        bool Has(string part) => type.Contains(part, StringComparison.Ordinal);
        if (Has("JSON"))
            return DbValueKind.Json;
        if (Has("BOOL"))
            return DbValueKind.Boolean;
        if (Has("UUID") || Has("BLOB") || Has("BYTEA"))
            return DbValueKind.Plain;
        return Has("TIMESTAMP") || Has("DATETIME") ? DbValueKind.Timestamp : DbValueKind.Plain;
    }
}
