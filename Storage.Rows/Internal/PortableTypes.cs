using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// The portable names <c>describe</c> reports: the type by how the row tier treats the column, and
/// the default as a JSON literal, <c>{"function":"now"}</c> or <c>{"sql": expression}</c>. Both
/// backends' spellings of the same default (<c>'a'::text</c> and <c>'a'</c>, <c>now()</c> and the
/// SQLite <c>strftime(..., 'now')</c>, <c>'\x01'::bytea</c> and <c>X'01'</c>) give the same value.
/// </summary>
internal static class PortableTypes
{
    public static string Name(ColumnKind kind, string declared, bool assigned) => kind switch
    {
        ColumnKind.Integer => assigned ? "serial" : "integer",
        ColumnKind.Float => "double",
        ColumnKind.Numeric => "numeric",
        ColumnKind.Text => "text",
        ColumnKind.Boolean => "boolean",
        ColumnKind.Timestamp => "timestamptz",
        ColumnKind.Date => "date",
        ColumnKind.Json => "json",
        ColumnKind.Uuid => "uuid",
        ColumnKind.Blob => "blob",
        _ => declared.ToLowerInvariant(),
    };

    public static JsonNode? Default(string? expression, string type)
    {
        if (expression is null)
            return null;
        var e = Unwrap(expression.Trim());
        var lower = e.ToLowerInvariant();
        if (lower is "null" || lower.StartsWith("null::", StringComparison.Ordinal))
            return null;
        if (lower is "now()" or "current_timestamp" or "current_date" or "(date('now'))" or "date('now')"
            || (lower.StartsWith("strftime(", StringComparison.Ordinal) && lower.EndsWith("'now')", StringComparison.Ordinal)))
            return new JsonObject { ["function"] = "now" };
        if (e.StartsWith("X'", StringComparison.OrdinalIgnoreCase) && e.EndsWith('\''))
            return Hex(e[2..^1]) is { } blob ? JsonValue.Create(Convert.ToBase64String(blob)) : Sql(e);
        if (lower is "true" or "false")
            return JsonValue.Create(lower == "true");
        if (e.StartsWith('\'') && Literal(e) is { } text)
            return Typed(text, type) ?? Sql(e);
        return Typed(e, type) ?? Sql(e);
    }

    // A literal's meaning by the column type: numbers, booleans (SQLite 1/0), UTC timestamps, JSON, base64 bytes.
    private static JsonNode? Typed(string text, string type)
    {
        switch (type)
        {
            case "integer" or "double" or "numeric":
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    return JsonValue.Create(integer);
                return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : null;
            case "boolean":
                return text switch { "1" or "true" => JsonValue.Create(true), "0" or "false" => JsonValue.Create(false), _ => null };
            case "timestamptz":
                return RowValues.ParseTimestamp(text.Replace(' ', 'T')) is { } time ? JsonValue.Create(UtcTimestampJsonConverter.Format(time)) : JsonValue.Create(text);
            case "json":
                try
                {
                    return JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    return JsonValue.Create(text);
                }
            case "blob":
                return text.StartsWith("\\x", StringComparison.Ordinal) && Hex(text[2..]) is { } bytes ? JsonValue.Create(Convert.ToBase64String(bytes)) : null;
            case "uuid":
                return JsonValue.Create(text.ToLowerInvariant());
            default:
                return JsonValue.Create(text);
        }
    }

    private static JsonObject Sql(string expression) => new() { ["sql"] = expression };

    // 'it''s'::text -> it's; null when the quote does not close the whole literal (an expression).
    private static string? Literal(string e)
    {
        var i = 1;
        var text = new System.Text.StringBuilder();
        while (i < e.Length)
        {
            if (e[i] == '\'')
            {
                if (i + 1 < e.Length && e[i + 1] == '\'') { text.Append('\''); i += 2; continue; }
                var rest = e[(i + 1)..];
                return rest.Length == 0 || rest.StartsWith("::", StringComparison.Ordinal) ? text.ToString() : null;
            }
            text.Append(e[i++]);
        }
        return null;
    }

    // PostgreSQL wraps negative numbers and casts in parentheses; SQLite keeps the DEFAULT (...) parentheses.
    private static string Unwrap(string e)
    {
        while (e.Length > 1 && e[0] == '(' && e[^1] == ')' && Balanced(e[1..^1]))
            e = e[1..^1].Trim();
        return e;
    }

    private static bool Balanced(string e)
    {
        var depth = 0;
        foreach (var c in e)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
                return false;
        }
        return depth == 0;
    }

    private static byte[]? Hex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
