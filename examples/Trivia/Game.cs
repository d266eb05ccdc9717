namespace Trivia;

/// <summary>The running game, kept in KV under a TTL.</summary>
public sealed record Game(string Question, string Answer);
