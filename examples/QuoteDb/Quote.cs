namespace QuoteDb;

/// <summary>A row of <c>quotes</c>; <see cref="Id"/> and <see cref="Timestamp"/> are left null on insert for the database to fill.</summary>
public sealed record Quote(string Text, string? Author, string AddedBy, long? Id = null, DateTimeOffset? Timestamp = null);
