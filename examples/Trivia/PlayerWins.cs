namespace Trivia;

/// <summary>One row of the wins-since aggregate.</summary>
public sealed record PlayerWins(string UserId, long Wins);
