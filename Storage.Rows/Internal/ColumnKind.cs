namespace Storage.Rows.Internal;

/// <summary>How the row tier reads, writes and compares a column, derived from its declared type.</summary>
internal enum ColumnKind
{
    Integer,
    Float,
    Numeric,
    Text,
    Boolean,
    Timestamp,
    Date,
    Json,
    /// <summary>Lowercase UUID text on both backends (PostgreSQL <c>uuid</c>).</summary>
    Uuid,
    /// <summary>Bytes, written and read as base64 strings (PostgreSQL <c>bytea</c>, SQLite <c>BLOB</c>).</summary>
    Blob,
    /// <summary>Any other type: values pass as JSON scalars, the database converts them.</summary>
    Other,
}
