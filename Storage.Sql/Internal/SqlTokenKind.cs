namespace Storage.Sql.Internal;

/// <summary>What a <see cref="SqlToken"/> is; the guard and the rewriter only look at these kinds.</summary>
internal enum SqlTokenKind
{
    Whitespace,
    Comment,
    /// <summary>An unquoted identifier or keyword.</summary>
    Word,
    /// <summary>A quoted identifier ("x", and on SQLite [x] or `x`); <see cref="SqlToken.Name"/> is the unquoted name.</summary>
    QuotedIdentifier,
    /// <summary>A PostgreSQL <c>U&amp;"..."</c> identifier, whose escapes could spell any name: always refused.</summary>
    EscapedIdentifier,
    /// <summary>A string, blob or dollar-quoted literal.</summary>
    String,
    Number,
    /// <summary>A <c>:name</c> placeholder; <see cref="SqlToken.Name"/> is the name.</summary>
    Parameter,
    /// <summary>A placeholder in another syntax (<c>?</c>, <c>$1</c>, <c>@x</c>): refused, only <c>:name</c> is supported.</summary>
    ForeignParameter,
    /// <summary>The PostgreSQL <c>::</c> cast operator.</summary>
    Cast,
    Semicolon,
    OpenParen,
    CloseParen,
    Dot,
    /// <summary>Any other operator or punctuation.</summary>
    Symbol,
}
