namespace Storage.Client;

/// <summary>One sort key of a search: <c>Sort.Desc("score")</c>.</summary>
public sealed record Sort(string Field, bool Descending = false)
{
    /// <summary>Ascending (NULL first).</summary>
    public static Sort Asc(string field) => new(field);

    /// <summary>Descending (NULL last).</summary>
    public static Sort Desc(string field) => new(field, Descending: true);
}
