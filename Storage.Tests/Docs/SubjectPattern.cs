namespace Storage.Tests.Docs;

/// <summary>
/// A NATS subject as docs write it: <c>&lt;plugin&gt;</c>-style placeholders and <c>*</c> stand for one
/// token, <c>&gt;</c> for the rest, and <c>a|b</c> inside a token for alternatives.
/// </summary>
internal static class SubjectPattern
{
    private const string Any = "*";

    /// <summary>The subjects a doc's pattern stands for, one per combination of alternatives, placeholders as <c>*</c>.</summary>
    public static IEnumerable<string[]> Expand(string subject)
    {
        IEnumerable<string[]> result = [[]];
        foreach (var token in subject.Split('.'))
        {
            var choices = token.StartsWith('<') && token.EndsWith('>') ? [Any] : token.Split('|');
            result = result.SelectMany(prefix => choices.Select(choice => (string[])[.. prefix, choice]));
        }
        return result;
    }

    /// <summary>
    /// Whether a doc subject names (or, with wildcards, covers) the served subject <paramref name="served"/>
    /// (<c>*</c> where the plugin goes). A doc subject may also stop early at a literal prefix (<c>db.admin.export</c>).
    /// </summary>
    public static bool Overlaps(string[] doc, string[] served)
    {
        for (var i = 0; i < doc.Length; i++)
        {
            if (doc[i] == ">")
                return served.Length > i;
            if (i >= served.Length)
                return false;
            if (doc[i] != Any && served[i] != Any && doc[i] != served[i])
                return false;
        }
        return doc.Length == served.Length || (!doc.Contains(Any) && served.Take(doc.Length).All(t => t != Any));
    }

    /// <summary>Whether a doc subject names <paramref name="served"/> itself: its literal tokens literally, any plugin token.</summary>
    public static bool Documents(string[] doc, string[] served) =>
        doc.Length == served.Length && served.Select((token, i) => token == Any || token == doc[i]).All(ok => ok);
}
