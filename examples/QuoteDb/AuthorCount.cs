namespace QuoteDb;

/// <summary>One row of the authors-since aggregate.</summary>
public sealed record AuthorCount(string Author, long Quotes);
