namespace Storage.Core;

/// <summary>
/// "Did you mean" for names a request got wrong (operators, columns, tables): the closest known
/// name by edit distance, if it is close enough to be a typo rather than a different word.
/// </summary>
public static class Suggest
{
    // Longer names may be further off and still be the same word mistyped.
    private const int MaxNameLength = 64;

    /// <summary>The candidate nearest to <paramref name="name"/> (case-insensitive), or null when none is plausibly meant.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        if (name.Length == 0 || name.Length > MaxNameLength)
            return null;
        var allowed = Math.Max(1, name.Length / 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (candidate.Length > MaxNameLength || Math.Abs(candidate.Length - name.Length) > allowed)
                continue;
            var distance = Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance <= allowed && distance < bestDistance)
                (best, bestDistance) = (candidate, distance);
        }
        return best;
    }

    /// <summary>" Did you mean 'x'?" for a message, or an empty string when there is no suggestion.</summary>
    public static string Hint(string? suggestion) => suggestion is null ? "" : $" Did you mean '{suggestion}'?";

    /// <summary>The details of an error with <c>suggestion</c> added when there is one.</summary>
    public static Dictionary<string, object?> With(Dictionary<string, object?> details, string? suggestion)
    {
        ArgumentNullException.ThrowIfNull(details);
        if (suggestion is not null)
            details["suggestion"] = suggestion;
        return details;
    }

    // Optimal string alignment distance: Levenshtein plus the transposition of two neighbours ("gte" for "get").
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
