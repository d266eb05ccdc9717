namespace Storage.Rows.Internal;

/// <summary>
/// One column of a plugin table as the catalog describes it. <see cref="DeclaredType"/> is the
/// database's own spelling (PostgreSQL <c>format_type</c>), used only for casts of <see cref="ColumnKind.Other"/>
/// and JSON values, never taken from a request.
/// </summary>
internal sealed record ColumnInfo(string Name, ColumnKind Kind, string DeclaredType, bool Required, bool Writable)
{
    /// <summary>The identifier quoted for SQL; the name comes from the catalog only.</summary>
    public string Sql { get; } = Storage.Core.PluginConnection.QuoteIdentifier(Name);

    public bool IsNumber => Kind is ColumnKind.Integer or ColumnKind.Float or ColumnKind.Numeric;

    /// <summary>Whether <c>$gt</c>, <c>$max</c> and sorting make sense on it.</summary>
    public bool IsOrdered => Kind is not (ColumnKind.Json or ColumnKind.Boolean);
}
