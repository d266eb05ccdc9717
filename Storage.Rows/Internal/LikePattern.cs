using System.Text;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// <c>$like</c> patterns: SQL <c>%</c> and <c>_</c>, with <c>\</c> making the next character literal.
/// PostgreSQL's LIKE already means exactly that. SQLite's LIKE ignores ASCII case, so on SQLite the
/// pattern is translated to an equivalent case-sensitive GLOB (literal GLOB metacharacters are
/// bracketed); the result is still passed as a parameter.
/// </summary>
internal static class LikePattern
{
    /// <summary>Checks the pattern; a trailing lone <c>\</c> is INVALID_REQUEST on both backends.</summary>
    public static void Validate(string pattern, string field)
    {
        var escaped = false;
        foreach (var c in pattern)
            escaped = !escaped && c == '\\';
        if (escaped)
            throw StorageException.InvalidField(field, $"Field '{field}': a LIKE pattern must not end with the escape character '\\'.");
    }

    public static string ToGlob(string pattern)
    {
        var glob = new StringBuilder(pattern.Length + 8);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                AppendLiteral(glob, pattern[++i]);
                continue;
            }
            if (c == '%')
                glob.Append('*');
            else if (c == '_')
                glob.Append('?');
            else
                AppendLiteral(glob, c);
        }
        return glob.ToString();
    }

    private static void AppendLiteral(StringBuilder glob, char c)
    {
        if (c is '*' or '?' or '[')
            glob.Append('[').Append(c).Append(']');
        else
            glob.Append(c);
    }
}
