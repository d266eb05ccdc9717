using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Splits SQL into tokens the way the database's own lexer does, so that the guard never mistakes
/// text inside a string, quoted identifier, comment or PostgreSQL dollar quote for code. Where the
/// two dialects differ (nested comments, <c>E'..'</c> escapes and <c>$tag$</c> quotes on PostgreSQL;
/// <c>[x]</c> and <c>`x`</c> identifiers on SQLite) the backend decides.
/// </summary>
internal static class SqlTokenizer
{
    public static List<SqlToken> Tokenize(string sql, bool postgres)
    {
        var tokens = new List<SqlToken>();
        var i = 0;
        while (i < sql.Length)
        {
            var start = i;
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            SqlTokenKind kind;
            string? name = null;
            if (char.IsWhiteSpace(c))
            {
                while (i < sql.Length && char.IsWhiteSpace(sql[i]))
                    i++;
                kind = SqlTokenKind.Whitespace;
            }
            else if (c == '-' && next == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                    i++;
                kind = SqlTokenKind.Comment;
            }
            else if (c == '/' && next == '*')
            {
                i = BlockCommentEnd(sql, i, postgres);
                kind = SqlTokenKind.Comment;
            }
            else if (c == '\'')
            {
                i = QuotedEnd(sql, i, '\'', backslashEscapes: false, "string literal");
                kind = SqlTokenKind.String;
            }
            else if (postgres && (c is 'E' or 'e') && next == '\'')
            {
                i = QuotedEnd(sql, i + 1, '\'', backslashEscapes: true, "string literal");
                kind = SqlTokenKind.String;
            }
            else if ((c is 'X' or 'x' or 'B' or 'b' or 'N' or 'n') && next == '\'')
            {
                i = QuotedEnd(sql, i + 1, '\'', backslashEscapes: false, "string literal");
                kind = SqlTokenKind.String;
            }
            else if (postgres && (c is 'U' or 'u') && next == '&' && i + 2 < sql.Length && sql[i + 2] is '\'' or '"')
            {
                var quote = sql[i + 2];
                i = QuotedEnd(sql, i + 2, quote, backslashEscapes: false, quote == '"' ? "quoted identifier" : "string literal");
                kind = quote == '"' ? SqlTokenKind.EscapedIdentifier : SqlTokenKind.String;
            }
            else if (c == '"' || (!postgres && c == '`'))
            {
                i = QuotedEnd(sql, i, c, backslashEscapes: false, "quoted identifier");
                name = sql[(start + 1)..(i - 1)].Replace(new string(c, 2), c.ToString(), StringComparison.Ordinal);
                kind = SqlTokenKind.QuotedIdentifier;
            }
            else if (!postgres && c == '[')
            {
                var close = sql.IndexOf(']', i + 1);
                if (close < 0)
                    throw Unterminated("quoted identifier", start);
                i = close + 1;
                name = sql[(start + 1)..close];
                kind = SqlTokenKind.QuotedIdentifier;
            }
            else if (postgres && c == '$' && DollarTagEnd(sql, i) is var tagEnd and > 0)
            {
                var tag = sql[i..tagEnd];
                var close = sql.IndexOf(tag, tagEnd, StringComparison.Ordinal);
                if (close < 0)
                    throw Unterminated("dollar-quoted string", start);
                i = close + tag.Length;
                kind = SqlTokenKind.String;
            }
            else if (c == ':' && next == ':')
            {
                i += 2;
                kind = SqlTokenKind.Cast;
            }
            else if (c == ':' && IsNameStart(next))
            {
                i = NameEnd(sql, i + 1);
                name = sql[(start + 1)..i];
                kind = SqlTokenKind.Parameter;
            }
            else if (c == '?' || (c == '$' && (char.IsAsciiDigit(next) || (!postgres && IsNameStart(next)))) || (!postgres && c == '@' && IsNameStart(next)))
            {
                i = NameEnd(sql, i + 1);
                kind = SqlTokenKind.ForeignParameter;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(next)))
            {
                i = NumberEnd(sql, i);
                kind = SqlTokenKind.Number;
            }
            else if (IsNameStart(c))
            {
                i = NameEnd(sql, i);
                kind = SqlTokenKind.Word;
            }
            else
            {
                i++;
                kind = c switch
                {
                    ';' => SqlTokenKind.Semicolon,
                    '(' => SqlTokenKind.OpenParen,
                    ')' => SqlTokenKind.CloseParen,
                    '.' => SqlTokenKind.Dot,
                    _ => SqlTokenKind.Symbol,
                };
            }
            tokens.Add(new SqlToken(kind, start, i - start, name));
        }
        return tokens;
    }

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_' || c > 127;

    // Both lexers accept '$' inside an unquoted name (a$b is one identifier).
    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$' || c > 127;

    private static int NameEnd(string sql, int i)
    {
        while (i < sql.Length && IsNameChar(sql[i]))
            i++;
        return i;
    }

    private static int NumberEnd(string sql, int i)
    {
        var hex = sql[i] == '0' && i + 1 < sql.Length && sql[i + 1] is 'x' or 'X';
        while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] is '.' or '_'
            || (!hex && sql[i] is '+' or '-' && sql[i - 1] is 'e' or 'E')))
            i++;
        return i;
    }

    // Returns the index after the closing quote; a doubled quote is an escaped quote.
    private static int QuotedEnd(string sql, int open, char quote, bool backslashEscapes, string what)
    {
        for (var i = open + 1; i < sql.Length; i++)
        {
            if (backslashEscapes && sql[i] == '\\')
                i++;
            else if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                    i++;
                else
                    return i + 1;
            }
        }
        throw Unterminated(what, open);
    }

    // PostgreSQL block comments nest; SQLite's end at the first */ (or at the end of the text).
    private static int BlockCommentEnd(string sql, int start, bool postgres)
    {
        var depth = 0;
        for (var i = start; i < sql.Length - 1; i++)
        {
            if (sql[i] == '/' && sql[i + 1] == '*' && (postgres || depth == 0))
            {
                depth++;
                i++;
            }
            else if (sql[i] == '*' && sql[i + 1] == '/')
            {
                depth--;
                i++;
                if (depth == 0)
                    return i + 1;
            }
        }
        return postgres ? throw Unterminated("block comment", start) : sql.Length;
    }

    // $tag$ where tag is empty or an identifier without '$'; returns the index after the second '$', or -1.
    private static int DollarTagEnd(string sql, int i)
    {
        var j = i + 1;
        if (j < sql.Length && sql[j] == '$')
            return j + 1;
        if (j >= sql.Length || !IsNameStart(sql[j]))
            return -1;
        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_' || sql[j] > 127))
            j++;
        return j < sql.Length && sql[j] == '$' ? j + 1 : -1;
    }

    private static StorageException Unterminated(string what, int position) =>
        new(StorageErrorCode.InvalidRequest, $"Field 'query' has an unterminated {what} starting at character {position + 1}.",
            new Dictionary<string, object?> { ["field"] = "query", ["position"] = position + 1 });
}
