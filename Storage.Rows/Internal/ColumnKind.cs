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
    /// <summary>Any other type: values pass as JSON scalars, the database converts them.</summary>
    Other,
}
