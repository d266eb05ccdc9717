namespace Trivia;

/// <summary>A row of <c>trivia_rounds</c>: one guess.</summary>
public sealed record Round(string UserId, string Question, string Result, int Points, DateTimeOffset Timestamp, long? Id = null);
