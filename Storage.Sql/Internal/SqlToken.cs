namespace Storage.Sql.Internal;

/// <summary>One lexical token: its kind, where it is in the query text, and for names the unquoted name.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, int Start, int Length, string? Name = null)
{
    public bool IsTrivia => Kind is SqlTokenKind.Whitespace or SqlTokenKind.Comment;

    public string Text(string sql) => sql.Substring(Start, Length);

    /// <summary>The identifier this token names (words and quoted identifiers), else null.</summary>
    public string? Identifier(string sql) => Kind switch
    {
        SqlTokenKind.Word => Text(sql),
        SqlTokenKind.QuotedIdentifier => Name,
        _ => null,
    };
}
