namespace Storage.Core.Internal;

/// <summary>
/// What a column's declared type adds to the value the provider hands out: the cases where the
/// CLR value alone does not say how it goes on the wire.
/// </summary>
internal enum DbValueKind
{
    /// <summary>The CLR value decides (numbers, text, bytes, PostgreSQL dates and times).</summary>
    Plain,
    /// <summary>Text holding JSON (PostgreSQL json/jsonb, SQLite JSON columns): embedded, not quoted.</summary>
    Json,
    /// <summary>SQLite BOOL columns: 0/1 become false/true.</summary>
    Boolean,
    /// <summary>SQLite TIMESTAMP/DATETIME text: rewritten as ISO-8601 UTC when it parses.</summary>
    Timestamp,
    /// <summary>PostgreSQL numeric: decoded from its wire form, so any size and NaN/Infinity survive.</summary>
    Numeric,
    /// <summary>PostgreSQL interval: an ISO-8601 duration (months and days kept apart from time).</summary>
    Interval,
    /// <summary>PostgreSQL time with time zone: <c>HH:mm:ss+hh:mm</c>, not an instant.</summary>
    TimeWithZone,
}
