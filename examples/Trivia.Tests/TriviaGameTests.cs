using Storage.Client;
using Storage.Contracts;

namespace Trivia.Tests;

[TestClass]
public sealed class TriviaGameTests
{
    private static IStorageClient _storage = null!;
    private static TriviaGame _trivia = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _storage = await TestStorage.StartAsync("trivia");
        _trivia = new TriviaGame(_storage);
        CollectionAssert.AreEqual(new[] { "001_trivia", "002_leaderboard_index" }, (await _trivia.MigrateAsync()).ToArray());
    }

    [ClassCleanup]
    public static async Task StopAsync() => await _storage.DisposeAsync();

    // Plays one game: wrong guesses first, then the winner's right one.
    private static async Task PlayAsync(string question, string answer, string[] losers, string? winner, DateTimeOffset? at = null)
    {
        Assert.IsTrue(await _trivia.StartAsync(question, answer));
        foreach (var user in losers)
            Assert.AreEqual("lose", (await _trivia.GuessAsync(user, "no idea", at))?.Result);
        if (winner is not null)
            Assert.AreEqual("win", (await _trivia.GuessAsync(winner, $" {answer.ToUpperInvariant()} ", at))?.Result);
    }

    [TestMethod]
    public async Task A_game_lives_in_kv_one_at_a_time_and_the_right_answer_ends_it()
    {
        var won = await _trivia.GamesWonAsync();
        Assert.IsTrue(await _trivia.StartAsync("What is 6 x 7?", "42", TimeSpan.FromMinutes(1)));
        Assert.IsFalse(await _trivia.StartAsync("Another?", "no"), "if_absent: a running game is a CONFLICT");
        Assert.AreEqual("What is 6 x 7?", (await _trivia.CurrentAsync())?.Question);
        var entry = await _storage.Kv.GetAsync<Game>("game:active");
        Assert.IsGreaterThan(DateTimeOffset.UtcNow, entry!.ExpiresAt!.Value, "the game has a TTL");
        Assert.AreEqual("lose", (await _trivia.GuessAsync("gil", "41"))?.Result);
        Assert.AreEqual("win", (await _trivia.GuessAsync("gil", "42"))?.Result);
        Assert.IsNull(await _trivia.CurrentAsync());
        Assert.IsNull(await _trivia.GuessAsync("gil", "42"), "no game, no round");
        Assert.AreEqual(won + 1, await _trivia.GamesWonAsync());
    }

    [TestMethod]
    public async Task Stats_inc_counts_wins_rounds_and_points_and_max_keeps_the_best_round_and_last_time()
    {
        static DateTimeOffset Day(int day) => new(2025, 11, day, 10, 0, 0, TimeSpan.Zero);
        await PlayAsync("q1", "a1", ["hal"], "ivy", Day(22));
        await PlayAsync("q2", "a2", ["ivy"], "hal", Day(20));
        await PlayAsync("q3", "a3", [], "ivy", Day(21));
        Assert.AreEqual(new PlayerStats("ivy", Wins: 2, Played: 3, Points: 20, BestRound: 10, LastPlayed: Day(22)), await _trivia.StatsAsync("ivy"));
        Assert.AreEqual(new PlayerStats("hal", Wins: 1, Played: 2, Points: 10, BestRound: 10, LastPlayed: Day(22)), await _trivia.StatsAsync("hal"));
        Assert.IsNull(await _trivia.StatsAsync("nobody"));
    }

    [TestMethod]
    public async Task Concurrent_guesses_lose_no_count()
    {
        Assert.IsTrue(await _trivia.StartAsync("hard one", "unguessable"));
        await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => _trivia.GuessAsync("jo", "wrong")));
        var jo = await _trivia.StatsAsync("jo");
        Assert.AreEqual((30, 0, 0), (jo!.Played, jo.Wins, jo.BestRound));
        await _trivia.GuessAsync("jo", "unguessable");
    }

    [TestMethod]
    public async Task Leaderboard_ranks_by_wins_then_points_then_name()
    {
        for (var i = 0; i < 3; i++)
            await PlayAsync($"lb{i}", "x", [], "lb-kim");
        await PlayAsync("lb3", "x", [], "lb-lee");
        await PlayAsync("lb4", "x", [], "lb-lee");
        var board = await _trivia.LeaderboardAsync(50);
        var ours = board.Where(r => r.UserId.StartsWith("lb-", StringComparison.Ordinal)).Select(r => (r.UserId, r.Wins)).ToList();
        CollectionAssert.AreEqual(new[] { ("lb-kim", 3), ("lb-lee", 2) }, ours);
        for (var i = 1; i < board.Count; i++)
            Assert.IsGreaterThanOrEqualTo(board[i].Wins, board[i - 1].Wins);
    }

    [TestMethod]
    public async Task Wins_per_player_since_a_date_is_the_sql_aggregate_with_named_parameters()
    {
        static DateTimeOffset Day(int day) => new(2024, 5, day, 9, 30, 0, TimeSpan.Zero);
        await PlayAsync("s1", "x", ["agg-cy"], "agg-ada", Day(10));
        await PlayAsync("s2", "x", [], "agg-ada", Day(11));
        await PlayAsync("s3", "x", [], "agg-ada", Day(12));
        await PlayAsync("s4", "x", [], "agg-bob", Day(11));
        await PlayAsync("s5", "x", [], "agg-bob", Day(9));
        await PlayAsync("s6", "x", [], "agg-cy", Day(1));
        var rows = (await _trivia.WinsSinceAsync(Day(10), 1000)).Where(r => r.UserId.StartsWith("agg-", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEqual(new[] { new PlayerWins("agg-ada", 3), new PlayerWins("agg-bob", 1) }, rows);
        Assert.HasCount(1, await _trivia.WinsSinceAsync(Day(10), 1), ":limit is a parameter too");
    }

    [TestMethod]
    public async Task A_players_history_pages_newest_first_with_the_search_cursor()
    {
        Assert.IsTrue(await _trivia.StartAsync("history", "never"));
        for (var i = 0; i < 7; i++)
            await _trivia.GuessAsync("hist", $"try {i}", new DateTimeOffset(2024, 1, 1 + i, 0, 0, 0, TimeSpan.Zero));
        await _trivia.GuessAsync("hist", "never", new DateTimeOffset(2024, 1, 20, 0, 0, 0, TimeSpan.Zero));
        var rounds = new List<Round>();
        await foreach (var round in _trivia.HistoryAsync("hist", pageSize: 3))
            rounds.Add(round);
        Assert.HasCount(8, rounds);
        Assert.AreEqual("win", rounds[0].Result);
        CollectionAssert.AreEqual(rounds.Select(r => r.Timestamp).OrderDescending().ToList(), rounds.Select(r => r.Timestamp).ToList());
    }

    [TestMethod]
    public async Task Rollback_runs_the_down_scripts_and_applying_again_restores_the_migration()
    {
        var rolledBack = await _storage.Migrations.RollbackAsync();
        CollectionAssert.AreEqual(new[] { "002_leaderboard_index" }, rolledBack.RolledBack.ToArray());
        Assert.AreEqual("001_trivia", rolledBack.Current);
        CollectionAssert.AreEqual(new[] { "002_leaderboard_index" }, (await _trivia.MigrateAsync()).ToArray());
        var status = await _storage.Migrations.StatusAsync();
        CollectionAssert.AreEqual(new[] { "001_trivia", "002_leaderboard_index" }, status.Applied.Select(m => m.Version).ToArray());
    }

    [TestMethod]
    public async Task A_running_game_refuses_a_second_start_with_conflict_underneath()
    {
        Assert.IsTrue(await _trivia.StartAsync("conflict", "yes"));
        var error = await Assert.ThrowsAsync<StorageException>(() => _storage.Kv.SetAsync("game:active", new Game("other", "no"), ifAbsent: true));
        Assert.AreEqual(StorageErrorCode.Conflict, error.Code);
        Assert.AreEqual("win", (await _trivia.GuessAsync("kat", "yes"))?.Result);
    }
}
