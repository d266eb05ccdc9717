namespace QuoteDb;

/// <summary>A row of <c>contributors</c>: how many quotes a user added, and when the latest.</summary>
public sealed record Contributor(string UserId, int Quotes, DateTimeOffset? LastAdded);
