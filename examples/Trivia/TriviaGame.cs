using System.Globalization;
using Storage.Client;
using Storage.Contracts;

namespace Trivia;

/// <summary>
/// The trivia plugin's storage: the running game in KV (with a TTL), rounds in a table, per-player
/// stats kept by atomic upserts, and leaderboards from the row and SQL tiers.
/// </summary>
public sealed class TriviaGame(IStorageClient storage)
{
    private const string ActiveGame = "game:active";

    /// <summary>The migrations folder shipped next to the assembly (per-backend SQL files).</summary>
    public static string MigrationsDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "migrations");

    /// <summary>Applies what is new in <see cref="MigrationsDirectory"/>; returns the versions applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default) =>
        (await storage.Migrations.ApplyFolderAsync(MigrationsDirectory, cancellationToken: cancellationToken)).Applied;

    /// <summary>Starts a game unless one is running (false then); it ends by itself after <paramref name="ttl"/>.</summary>
    public async Task<bool> StartAsync(string question, string answer, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await storage.Kv.SetAsync(ActiveGame, new Game(question, answer), ttl ?? TimeSpan.FromMinutes(5), ifAbsent: true, cancellationToken: cancellationToken);
            return true;
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.Conflict)
        {
            return false;
        }
    }

    public async Task<Game?> CurrentAsync(CancellationToken cancellationToken = default) =>
        (await storage.Kv.GetAsync<Game>(ActiveGame, cancellationToken))?.Value;

    /// <summary>Records a guess; a right one wins the game and ends it. Null when no game runs.</summary>
    public async Task<Round?> GuessAsync(string userId, string guess, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        if (await CurrentAsync(cancellationToken) is not { } game)
            return null;
        var win = string.Equals(guess.Trim(), game.Answer.Trim(), StringComparison.OrdinalIgnoreCase);
        var round = new Round(userId, game.Question, win ? "win" : "lose", win ? 10 : 0, at ?? DateTimeOffset.UtcNow);
        await storage.Rows.InsertAsync("trivia_rounds", round, cancellationToken);
        // One atomic statement: concurrent guesses never lose a count, the first one creates the row.
        var stats = new Update().Inc("wins", win ? 1 : 0).Inc("played", 1).Inc("points", round.Points)
            .Max("best_round", round.Points).Max("last_played", round.Timestamp);
        await storage.Rows.UpdateAsync("trivia_stats", userId, stats, upsert: true, cancellationToken);
        if (win && await storage.Kv.DeleteAsync(ActiveGame, cancellationToken))
            await storage.Kv.IncrAsync("games_won", cancellationToken: cancellationToken);
        return round;
    }

    public async Task<long> GamesWonAsync(CancellationToken cancellationToken = default) =>
        (await storage.Kv.GetAsync<long>("games_won", cancellationToken))?.Value ?? 0;

    public Task<PlayerStats?> StatsAsync(string userId, CancellationToken cancellationToken = default) =>
        storage.Rows.GetAsync<PlayerStats>("trivia_stats", userId, cancellationToken);

    /// <summary>All-time leaderboard: most wins, then points, then name.</summary>
    public async Task<IReadOnlyList<PlayerStats>> LeaderboardAsync(int limit = 10, CancellationToken cancellationToken = default)
    {
        var search = new RowSearch { OrderBy = [Sort.Desc("wins"), Sort.Desc("points"), Sort.Asc("user_id")], Limit = limit };
        return (await storage.Rows.SearchAsync<PlayerStats>("trivia_stats", search, cancellationToken)).Rows;
    }

    /// <summary>Wins per player since a date: an aggregate, so the SQL tier, with <c>:named</c> parameters.</summary>
    public Task<IReadOnlyList<PlayerWins>> WinsSinceAsync(DateTimeOffset since, int limit = 10, CancellationToken cancellationToken = default) =>
        storage.Sql.QueryAsync<PlayerWins>(
            """
            SELECT user_id, COUNT(*) AS wins FROM trivia_rounds
            WHERE result = :result AND timestamp >= :since
            GROUP BY user_id ORDER BY wins DESC, user_id LIMIT :limit
            """,
            new { result = "win", since = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), limit },
            cancellationToken);

    /// <summary>A player's rounds, newest first, page by page with the search cursor.</summary>
    public IAsyncEnumerable<Round> HistoryAsync(string userId, int pageSize = 50, CancellationToken cancellationToken = default) =>
        storage.Rows.SearchAllAsync<Round>("trivia_rounds",
            new RowSearch { Where = Filter.Eq("user_id", userId), OrderBy = [Sort.Desc("timestamp")], Limit = pageSize }, cancellationToken);
}
