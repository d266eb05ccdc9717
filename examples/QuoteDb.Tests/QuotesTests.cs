using Storage.Client;
using Storage.Contracts;

namespace QuoteDb.Tests;

[TestClass]
public sealed class QuotesTests
{
    private static IStorageClient _storage = null!;
    private static Quotes _quotes = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _storage = await TestStorage.StartAsync("quote-db");
        _quotes = new Quotes(_storage);
        CollectionAssert.AreEqual(new[] { "001_quotes", "002_contributors" }, (await _quotes.MigrateAsync()).ToArray());
    }

    [ClassCleanup]
    public static async Task StopAsync() => await _storage.DisposeAsync();

    [TestMethod]
    public async Task Migrations_apply_once()
    {
        Assert.IsEmpty(await _quotes.MigrateAsync());
        Assert.AreEqual("002_contributors", (await _storage.Migrations.StatusAsync()).Current);
    }

    [TestMethod]
    public async Task An_added_quote_comes_back_by_id_and_the_kv_counter_counts_it()
    {
        var count = await _quotes.AddedAsync();
        var id = await _quotes.AddAsync("Talk is cheap. Show me the code.", "Linus Torvalds", "ada");
        var quote = await _quotes.GetAsync(id);
        Assert.IsNotNull(quote);
        Assert.AreEqual("Talk is cheap. Show me the code.", quote.Text);
        Assert.AreEqual("ada", quote.AddedBy);
        Assert.IsNotNull(quote.Timestamp);
        Assert.AreEqual(count + 1, await _quotes.AddedAsync());
        Assert.IsNull(await _quotes.GetAsync(id + 1000));
    }

    [TestMethod]
    public async Task Many_quotes_go_in_one_transaction_and_a_bad_one_keeps_none()
    {
        var count = await _quotes.AddedAsync();
        var ids = await _quotes.AddManyAsync([("one", "batch"), ("two", "batch")], "bob");
        Assert.HasCount(2, ids);
        Assert.AreEqual(count + 2, await _quotes.AddedAsync());
        // A NOT NULL column left null fails the whole batch.
        var error = await Assert.ThrowsAsync<StorageException>(() => _quotes.AddManyAsync([("three", "batch"), (null!, "batch")], "bob"));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.IsEmpty(await _quotes.SearchAsync("three"));
    }

    [TestMethod]
    public async Task Search_finds_a_word_anywhere_and_percent_and_underscore_are_literal()
    {
        await _quotes.AddAsync("Premature optimization is the root of all evil", "Donald Knuth", "cy");
        await _quotes.AddAsync("100% of the shots you don't take", "Wayne Gretzky", "cy");
        await _quotes.AddAsync("1000 reasons", "nobody", "cy");
        Assert.AreEqual("Donald Knuth", (await _quotes.SearchAsync("root of all")).Single().Author);
        Assert.AreEqual("Wayne Gretzky", (await _quotes.SearchAsync("100%")).Single().Author);
        Assert.IsEmpty(await _quotes.SearchAsync("ROOT OF ALL"), "$like is case-sensitive on both backends");
    }

    [TestMethod]
    public async Task Random_picks_a_quote_of_the_author_asked_for()
    {
        await _quotes.AddAsync("Simplicity is prerequisite for reliability.", "Edsger Dijkstra", "ada");
        await _quotes.AddAsync("Testing shows the presence, not the absence of bugs.", "Edsger Dijkstra", "ada");
        for (var i = 0; i < 20; i++)
            Assert.AreEqual("Edsger Dijkstra", (await _quotes.RandomAsync("Edsger Dijkstra"))?.Author);
        Assert.IsNotNull(await _quotes.RandomAsync());
        Assert.IsNull(await _quotes.RandomAsync("nobody at all"));
    }

    [TestMethod]
    public async Task Contributors_count_with_inc_keep_the_latest_time_with_max_and_lose_no_concurrent_count()
    {
        await _quotes.AddAsync("a", "x", "dora", new DateTimeOffset(2025, 11, 22, 10, 0, 0, TimeSpan.Zero));
        await _quotes.AddAsync("b", "x", "dora", new DateTimeOffset(2025, 11, 20, 10, 0, 0, TimeSpan.Zero));
        await _quotes.AddAsync("c", "x", "dora", new DateTimeOffset(2025, 11, 21, 10, 0, 0, TimeSpan.Zero));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _quotes.AddAsync($"p{i}", "y", "eve")));
        var top = await _quotes.TopContributorsAsync(100);
        var dora = top.Single(c => c.UserId == "dora");
        Assert.AreEqual(3, dora.Quotes);
        Assert.AreEqual(new DateTimeOffset(2025, 11, 22, 10, 0, 0, TimeSpan.Zero), dora.LastAdded);
        Assert.AreEqual(20, top.Single(c => c.UserId == "eve").Quotes);
        Assert.AreEqual("eve", top[0].UserId);
    }

    [TestMethod]
    public async Task Authors_since_a_date_is_the_sql_aggregate_with_named_parameters()
    {
        static DateTimeOffset Day(int day) => new(2024, 3, day, 12, 0, 0, TimeSpan.Zero);
        foreach (var (author, day) in new[] { ("sql-a", 10), ("sql-a", 11), ("sql-a", 12), ("sql-b", 1), ("sql-b", 11), ("sql-c", 2) })
            await _quotes.AddAsync($"{author} on {day}", author, "sql", Day(day));
        var rows = (await _quotes.AuthorsSinceAsync(Day(10), 1000)).Where(r => r.Author.StartsWith("sql-", StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEqual(new[] { new AuthorCount("sql-a", 3), new AuthorCount("sql-b", 1) }, rows);
        Assert.HasCount(1, await _quotes.AuthorsSinceAsync(Day(10), 1), ":limit is a parameter too");
    }

    [TestMethod]
    public async Task All_pages_through_every_quote_once_in_id_order()
    {
        await _quotes.AddManyAsync(Enumerable.Range(0, 25).Select(i => ($"page {i}", (string?)"pager")), "pager");
        var ids = new List<long>();
        await foreach (var quote in _quotes.AllAsync(pageSize: 7))
            ids.Add(quote.Id!.Value);
        CollectionAssert.AreEqual(ids.Order().ToList(), ids);
        Assert.AreEqual(ids.Count, ids.Distinct().Count());
        var total = await _storage.Sql.QueryAsync<Dictionary<string, long>>("SELECT COUNT(*) AS n FROM quotes");
        Assert.AreEqual(total[0]["n"], ids.Count);
    }

    [TestMethod]
    public async Task Errors_carry_the_contracts_codes()
    {
        var notFound = await Assert.ThrowsAsync<StorageException>(() => _storage.Rows.GetAsync<Quote>("qoutes", 1));
        Assert.AreEqual(StorageErrorCode.NotFound, notFound.Code);
        var badColumn = await Assert.ThrowsAsync<StorageException>(() => _storage.Rows.SelectAsync<Quote>("quotes", Filter.Eq("writer", "x")));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, badColumn.Code);
        var forbidden = await Assert.ThrowsAsync<StorageException>(() => _storage.Sql.QueryAsync<Quote>("DROP TABLE quotes"));
        Assert.AreEqual(StorageErrorCode.Forbidden, forbidden.Code);
        var id = await _quotes.AddAsync("gone soon", "z", "z");
        Assert.IsTrue(await _quotes.DeleteAsync(id));
        Assert.IsFalse(await _quotes.DeleteAsync(id));
    }
}
