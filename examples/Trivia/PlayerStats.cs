namespace Trivia;

/// <summary>A row of <c>trivia_stats</c>, kept by atomic upserts.</summary>
public sealed record PlayerStats(string UserId, int Wins, int Played, int Points, int? BestRound = null, DateTimeOffset? LastPlayed = null);
