using System.Text;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Accepts exactly one statement: SELECT or WITH ... SELECT, and INSERT/UPDATE/DELETE only when
/// writes are allowed. Everything else is FORBIDDEN with a message saying what is allowed. It also
/// refuses catalog and service names and other plugins' schemas, and rewrites <c>:name</c>
/// placeholders to positions (<c>$1</c> on PostgreSQL, <c>@p1</c> on SQLite), touching nothing
/// inside literals, quoted identifiers or comments. The database remains the real boundary.
/// </summary>
internal static class StatementGuard
{
    private const string Allowed = "only one SELECT (or WITH ... SELECT) statement is allowed, or one INSERT, UPDATE or DELETE with allow_write: true; schema changes go through db.migrate";

    private static readonly HashSet<string> WriteKeywords = new(StringComparer.OrdinalIgnoreCase) { "INSERT", "UPDATE", "DELETE" };

    public static GuardedStatement Check(string sql, bool postgres, bool allowWrite, string? ownSchema)
    {
        var tokens = SqlTokenizer.Tokenize(sql, postgres);
        var code = tokens.Where(t => !t.IsTrivia).ToList();
        while (code.Count > 0 && code[^1].Kind == SqlTokenKind.Semicolon)
            code.RemoveAt(code.Count - 1);
        if (code.Count == 0)
            throw StorageException.InvalidField("query", "Field 'query' contains no SQL statement.");

        var first = code.FindIndex(t => t.Kind != SqlTokenKind.OpenParen);
        var keyword = first >= 0 && code[first].Kind == SqlTokenKind.Word ? code[first].Text(sql).ToUpperInvariant() : null;
        var isWrite = keyword is "INSERT" or "UPDATE" or "DELETE" || (!postgres && keyword == "REPLACE");
        if (!isWrite && keyword is not ("SELECT" or "WITH"))
            throw Forbidden($"{Describe(keyword, code, first, sql)} is not allowed: {Allowed}.", keyword);

        for (var i = 0; i < code.Count; i++)
        {
            var token = code[i];
            switch (token.Kind)
            {
                case SqlTokenKind.Semicolon:
                    throw Forbidden($"The query holds more than one statement: {Allowed}.", "multiple statements");
                case SqlTokenKind.ForeignParameter:
                    throw StorageException.InvalidField("query", $"Placeholder '{token.Text(sql)}' is not supported: write named parameters as :name.");
                case SqlTokenKind.EscapedIdentifier:
                    throw Forbidden("Unicode-escaped identifiers (U&\"...\") are not allowed; write the name plainly.", "escaped identifier");
                case SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier:
                    CheckName(sql, code, i, ownSchema);
                    if (token.Kind == SqlTokenKind.Word)
                        isWrite |= CheckKeyword(sql, code, i, keyword!);
                    break;
            }
        }
        if (isWrite && !allowWrite)
            throw Forbidden($"This statement writes data, which needs allow_write: true; {Allowed}.", "write without allow_write");
        return Rewrite(sql, tokens, postgres, isWrite);
    }

    // Returns true when the word makes the statement a write (a data-modifying WITH).
    private static bool CheckKeyword(string sql, List<SqlToken> code, int i, string leading)
    {
        var word = code[i].Text(sql);
        if (word.Equals("MERGE", StringComparison.OrdinalIgnoreCase) && (i == 0 || code[i - 1].Kind != SqlTokenKind.Dot))
            throw Forbidden($"MERGE is not allowed: {Allowed}.", "MERGE");
        // SELECT ... INTO creates a table on PostgreSQL: DDL in disguise.
        if (word.Equals("INTO", StringComparison.OrdinalIgnoreCase)
            && !(i > 0 && code[i - 1].Kind == SqlTokenKind.Word && code[i - 1].Text(sql).ToUpperInvariant() is "INSERT" or "REPLACE" or "OR" or "IGNORE" or "ROLLBACK" or "ABORT" or "FAIL"))
            throw Forbidden($"SELECT ... INTO is not allowed (it creates a table): {Allowed}.", "SELECT INTO");
        return leading == "WITH" && WriteKeywords.Contains(word) && (i == 0 || code[i - 1].Kind != SqlTokenKind.Dot)
            && !(i > 0 && code[i - 1].Text(sql).Equals("FOR", StringComparison.OrdinalIgnoreCase));
    }

    private static void CheckName(string sql, List<SqlToken> code, int i, string? ownSchema)
    {
        var name = code[i].Identifier(sql)!;
        var isCall = i + 1 < code.Count && code[i + 1].Kind == SqlTokenKind.OpenParen;
        if (ForbiddenNames.Check(name, isCall) is { } reason)
            throw Forbidden($"'{name}' is not allowed: {reason}. Plugin SQL may use only the plugin's own tables.", name);
        var qualifies = i + 1 < code.Count && code[i + 1].Kind == SqlTokenKind.Dot;
        if (qualifies && ownSchema is not null && name.StartsWith("plugin_", StringComparison.OrdinalIgnoreCase) && !name.Equals(ownSchema, StringComparison.Ordinal))
            throw Forbidden($"Schema '{name}' is not this plugin's; plugin SQL may use only the plugin's own tables.", name);
    }

    private static string Describe(string? keyword, List<SqlToken> code, int first, string sql) =>
        keyword is not null ? $"A {keyword} statement" : $"A statement starting with '{(first >= 0 ? code[first].Text(sql) : "(")}'";

    private static GuardedStatement Rewrite(string sql, List<SqlToken> tokens, bool postgres, bool isWrite)
    {
        var text = new StringBuilder(sql.Length + 16);
        var fingerprint = new StringBuilder(Math.Min(sql.Length, 1024));
        var names = new List<string>();
        var last = tokens.FindLastIndex(t => !t.IsTrivia && t.Kind != SqlTokenKind.Semicolon);
        for (var i = 0; i <= last; i++)
        {
            var token = tokens[i];
            if (token.Kind == SqlTokenKind.Parameter)
            {
                var position = names.IndexOf(token.Name!);
                if (position < 0)
                {
                    names.Add(token.Name!);
                    position = names.Count - 1;
                }
                text.Append(postgres ? "$" : "@p").Append(position + 1);
            }
            else
                text.Append(sql, token.Start, token.Length);
            AppendFingerprint(fingerprint, sql, token);
        }
        return new GuardedStatement(text.ToString(), names, isWrite, fingerprint.ToString().Trim());
    }

    // Literals and parameter values never reach a log line or the statistics: only their shape does.
    private static void AppendFingerprint(StringBuilder fingerprint, string sql, SqlToken token)
    {
        if (fingerprint.Length >= SqlLimits.MaxFingerprintChars)
            return;
        switch (token.Kind)
        {
            case SqlTokenKind.Whitespace or SqlTokenKind.Comment:
                if (fingerprint.Length > 0 && fingerprint[^1] != ' ')
                    fingerprint.Append(' ');
                break;
            case SqlTokenKind.String or SqlTokenKind.Number:
                fingerprint.Append('?');
                break;
            case SqlTokenKind.Parameter:
                fingerprint.Append(':').Append(token.Name);
                break;
            case SqlTokenKind.Word:
                fingerprint.Append(token.Text(sql).ToLowerInvariant());
                break;
            default:
                fingerprint.Append(sql, token.Start, token.Length);
                break;
        }
    }

    private static StorageException Forbidden(string message, string? refused) =>
        new(StorageErrorCode.Forbidden, message, new Dictionary<string, object?> { ["field"] = "query", ["refused"] = refused ?? "statement" });
}
