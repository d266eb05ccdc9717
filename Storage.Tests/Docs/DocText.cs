using System.Text.RegularExpressions;

namespace Storage.Tests.Docs;

/// <summary>What README.md and docs/*.md name: subjects, settings and error codes, each with where it was found.</summary>
internal sealed partial class DocText
{
    private DocText(IReadOnlyList<DocLine> lines) => Lines = lines;

    public IReadOnlyList<DocLine> Lines { get; }

    public static DocText Load()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Storage.sln")))
            root = root.Parent;
        Assert.IsNotNull(root, "the repository root (Storage.sln) is above the test assembly");
        var files = Directory.GetFiles(Path.Combine(root.FullName, "docs"), "*.md").Order(StringComparer.Ordinal).Prepend(Path.Combine(root.FullName, "README.md"));
        var lines = new List<DocLine>();
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(root.FullName, file);
            var fenced = false;
            string? section = null;
            var number = 0;
            foreach (var text in File.ReadLines(file))
            {
                number++;
                if (text.StartsWith("```", StringComparison.Ordinal))
                    fenced = !fenced;
                if (text.StartsWith('#'))
                    section = SectionHeading().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
                lines.Add(new DocLine(name, number, text, fenced, section));
            }
        }
        return new DocText(lines);
    }

    /// <summary>Inline code spans outside fenced blocks, with table pipes unescaped.</summary>
    public IEnumerable<(DocLine Line, string Code)> Spans() =>
        from line in Lines
        where !line.Fenced
        from Match m in InlineCode().Matches(line.Text)
        select (line, m.Groups[1].Value.Replace("\\|", "|", StringComparison.Ordinal));

    /// <summary>Settings as written: <c>Section:Key</c> in code spans, <c>Section__Key</c> anywhere, and keys in a "(`Section` section)" table.</summary>
    public IEnumerable<(DocLine Line, string Key)> Settings(IReadOnlySet<string> roots)
    {
        foreach (var (line, code) in Spans())
        {
            foreach (Match m in SettingKey().Matches(code))
            {
                if (roots.Contains(m.Groups[1].Value))
                    yield return (line, m.Value);
            }
        }
        foreach (var line in Lines)
        {
            foreach (Match m in EnvironmentKey().Matches(line.Text))
            {
                if (roots.Contains(m.Groups[1].Value))
                    yield return (line, m.Value.Replace("__", ":", StringComparison.Ordinal));
            }
            if (line.Section is { } section && !line.Fenced && TableKey().Match(line.Text) is { Success: true } row)
                yield return (line, $"{section}:{row.Groups[1].Value}");
        }
    }

    /// <summary>Subjects in code spans: <c>db.…</c> and <c>$SRV.…</c>.</summary>
    public IEnumerable<(DocLine Line, string Subject)> Subjects() =>
        Spans().Where(s => (s.Code.StartsWith("db.", StringComparison.Ordinal) || s.Code.StartsWith("$SRV.", StringComparison.Ordinal)) && !s.Code.Contains(' ', StringComparison.Ordinal));

    /// <summary>
    /// Error codes: upper snake case code spans (other systems' constants such as <c>SQLITE_*</c> and
    /// <c>OTEL_*</c> aside), the first column of tables headed "code", and <c>"code": "X"</c> / <c>code="X"</c>.
    /// </summary>
    public IEnumerable<(DocLine Line, string Code)> ErrorCodes()
    {
        foreach (var (line, code) in Spans())
        {
            if (SnakeCase().IsMatch(code) && !code.StartsWith("SQLITE_", StringComparison.Ordinal) && !code.StartsWith("OTEL_", StringComparison.Ordinal))
                yield return (line, code);
        }
        var inCodeTable = false;
        foreach (var line in Lines)
        {
            if (!line.Text.StartsWith('|'))
                inCodeTable = false;
            else if (CodeTableHeader().IsMatch(line.Text))
                inCodeTable = true;
            else if (inCodeTable && TableKey().Match(line.Text) is { Success: true } row)
                yield return (line, row.Groups[1].Value);
            foreach (Match m in QuotedCode().Matches(line.Text))
                yield return (line, m.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"\(`([A-Za-z]+)` section\)")]
    private static partial Regex SectionHeading();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"\b([A-Z][A-Za-z]*)(?::(?:<[a-z]+>|[A-Za-z0-9_*.-]*[A-Za-z0-9_*]))+")]
    private static partial Regex SettingKey();

    [GeneratedRegex(@"\b([A-Z][A-Za-z]*)(?:__[A-Za-z0-9]+)+\b")]
    private static partial Regex EnvironmentKey();

    [GeneratedRegex(@"^\|\s*`([A-Za-z_]+)`")]
    private static partial Regex TableKey();

    [GeneratedRegex(@"^\|\s*code\s*\|", RegexOptions.IgnoreCase)]
    private static partial Regex CodeTableHeader();

    [GeneratedRegex("^[A-Z]+(?:_[A-Z]+)+$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex(@"(?:""code""\s*:\s*""|\bcode="")([A-Z_]+)""")]
    private static partial Regex QuotedCode();
}

/// <summary>One line of a doc: file, 1-based number, text, whether inside a fenced block, and the "(`Section` section)" heading it is under.</summary>
internal sealed record DocLine(string File, int Number, string Text, bool Fenced, string? Section)
{
    public override string ToString() => $"{File}:{Number}";
}
