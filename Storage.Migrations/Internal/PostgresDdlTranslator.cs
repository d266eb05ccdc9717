using System.Text;

namespace Storage.Migrations.Internal;

/// <summary>
/// Lets one PostgreSQL-dialect script run on SQLite for the common DDL forms: <c>SERIAL</c>/<c>BIGSERIAL
/// PRIMARY KEY</c> becomes <c>INTEGER PRIMARY KEY AUTOINCREMENT</c>, <c>DEFAULT NOW()</c> becomes a UTC
/// timestamp in the row tier's text format, <c>JSONB</c> becomes <c>JSON</c>, <c>BYTEA</c> becomes
/// <c>BLOB</c>, <c>DEFAULT TRUE/FALSE</c> becomes 1/0. <c>TIMESTAMPTZ</c> needs nothing (SQLite keeps
/// the declared name and the row tier treats it as a timestamp). Words are matched outside string
/// literals, quoted identifiers, comments and dollar quotes only; everything else is left as written.
/// </summary>
internal static class PostgresDdlTranslator
{
    private const string SqliteNow = "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))";

    public static string ToSqlite(string sql)
    {
        var tokens = Tokenize(sql);
        var edits = new List<(int Start, int End, string Text)>();
        for (var i = 0; i < tokens.Count; i++)
        {
            bool Is(int at, string word) => at < tokens.Count && tokens[at].Text.Equals(word, StringComparison.OrdinalIgnoreCase);
            var t = tokens[i];
            if ((Is(i, "SERIAL") || Is(i, "BIGSERIAL")) && Is(i + 1, "PRIMARY") && Is(i + 2, "KEY"))
            {
                edits.Add((t.Start, t.End, "INTEGER"));
                edits.Add((tokens[i + 2].End, tokens[i + 2].End, " AUTOINCREMENT"));
            }
            else if (Is(i, "DEFAULT") && Is(i + 1, "NOW") && Is(i + 2, "(") && Is(i + 3, ")"))
            {
                edits.Add((tokens[i + 1].Start, tokens[i + 3].End, SqliteNow));
            }
            else if (Is(i, "DEFAULT") && (Is(i + 1, "TRUE") || Is(i + 1, "FALSE")))
            {
                edits.Add((tokens[i + 1].Start, tokens[i + 1].End, Is(i + 1, "TRUE") ? "1" : "0"));
            }
            else if (Is(i, "JSONB") || Is(i, "BYTEA"))
            {
                edits.Add((t.Start, t.End, Is(i, "JSONB") ? "JSON" : "BLOB"));
            }
        }
        if (edits.Count == 0)
            return sql;
        var result = new StringBuilder(sql.Length + 64);
        var at = 0;
        foreach (var (start, end, text) in edits)
        {
            result.Append(sql, at, start - at).Append(text);
            at = end;
        }
        return result.Append(sql, at, sql.Length - at).ToString();
    }

    /// <summary>Words and single punctuation characters outside literals, identifiers in quotes, comments and dollar quotes.</summary>
    private static List<(string Text, int Start, int End)> Tokenize(string sql)
    {
        var tokens = new List<(string, int, int)>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
                i++;
            else if (c == '\'' || c == '"')
                i = SkipQuoted(sql, i, c);
            else if (c == '-' && At(sql, i + 1, '-'))
                i = End(sql.IndexOf('\n', i), sql.Length);
            else if (c == '/' && At(sql, i + 1, '*'))
                i = End(sql.IndexOf("*/", i + 2, StringComparison.Ordinal), sql.Length - 2) + 2;
            else if (c == '$' && DollarTag(sql, i) is { } tag)
                i = End(sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal), sql.Length - tag.Length) + tag.Length;
            else if (char.IsLetterOrDigit(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                    i++;
                tokens.Add((sql[start..i], start, i));
            }
            else
            {
                tokens.Add((c.ToString(), i, i + 1));
                i++;
            }
        }
        return tokens;
    }

    private static bool At(string sql, int i, char c) => i < sql.Length && sql[i] == c;

    private static int End(int found, int fallback) => found < 0 ? fallback : found;

    private static int SkipQuoted(string sql, int i, char quote)
    {
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                if (At(sql, i + 1, quote)) { i += 2; continue; } // doubled quote inside
                return i + 1;
            }
            i++;
        }
        return i;
    }

    // $$ or $tag$ (a tag is letters, digits and '_', not starting with a digit).
    private static string? DollarTag(string sql, int i)
    {
        var j = i + 1;
        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
            j++;
        if (j >= sql.Length || sql[j] != '$' || (j > i + 1 && char.IsDigit(sql[i + 1])))
            return null;
        return sql[i..(j + 1)];
    }
}
