using Storage.Client;

namespace Storage.Tests.Client;

public abstract partial class StorageClientBehaviour
{
    private sealed record Quote(long? Id, string Author, string Text, int Score, DateTimeOffset? CreatedAt = null);

    private sealed record PlayerStats(string Player, int Plays, int? Best);

    /// <summary>A fresh plugin with the quotes and stats tables, applied from a migration folder.</summary>
    private async Task<IStorageClient> MigratedAsync(StorageClientOptions? options = null, Func<IStorageTransport, IStorageTransport>? wrap = null)
    {
        var storage = await ConnectAsync(NewPlugin(), options ?? Options(), wrap);
        var folder = MigrationFiles.Write();
        try
        {
            await storage.Migrations.ApplyFolderAsync(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return storage;
    }

    [TestMethod]
    public async Task Rows_insert_returns_ids_and_the_filter_builder_selects_the_matching_rows()
    {
        await using var storage = await MigratedAsync();
        var id = await storage.Rows.InsertAsync("quotes", new Quote(null, "MST3K", "Push the button, Frank.", 150));
        var ids = await storage.Rows.InsertManyAsync("quotes", new[]
        {
            new Quote(null, "MST3K", "low", 10),
            new Quote(null, "Knuth", "Premature optimization...", 500),
        });

        var found = await storage.Rows.SelectAsync<Quote>("quotes", Filter.Eq("author", "MST3K") & Filter.Gte("score", 100));
        var byId = await storage.Rows.GetAsync<Quote>("quotes", id);

        Assert.HasCount(2, ids);
        Assert.AreEqual(id.ToInt64() + 1, ids[0].ToInt64());
        Assert.HasCount(1, found);
        Assert.AreEqual("Push the button, Frank.", found[0].Text);
        Assert.AreEqual(id.ToInt64(), found[0].Id);
        Assert.IsNotNull(found[0].CreatedAt, "the database default fills created_at");
        Assert.AreEqual(found[0], byId);
        Assert.IsNull(await storage.Rows.GetAsync<Quote>("quotes", 999_999));
        var many = await storage.Rows.GetManyAsync<Quote>("quotes", [ids[1].ToInt64(), id.ToInt64()]);
        CollectionAssert.AreEqual(new[] { "Knuth", "MST3K" }, many.Select(q => q.Author).ToArray());
        Assert.HasCount(2, await storage.Rows.SelectAsync<Quote>("quotes", Filter.Like("text", "Pr%") | Filter.Lt("score", 50)));
        Assert.HasCount(1, await storage.Rows.SelectAsync<Quote>("quotes", !Filter.Eq("author", "MST3K")));
        Assert.HasCount(2, await storage.Rows.SelectAsync<Quote>("quotes", Filter.In("score", new[] { 10, 500 })));
    }

    [TestMethod]
    public async Task Rows_search_all_pages_through_every_row_in_order()
    {
        await using var storage = await MigratedAsync();
        await storage.Rows.InsertManyAsync("quotes", Enumerable.Range(1, 27).Select(i => new Quote(null, i % 2 == 0 ? "even" : "odd", $"q{i}", i)));
        var search = new RowSearch { Where = Filter.Eq("author", "odd"), OrderBy = [Sort.Desc("score")], Limit = 4, Count = true };

        var first = await storage.Rows.SearchAsync<Quote>("quotes", search);
        var all = new List<int>();
        await foreach (var quote in storage.Rows.SearchAllAsync<Quote>("quotes", search))
            all.Add(quote.Score);

        Assert.HasCount(4, first.Rows);
        Assert.IsTrue(first.Truncated);
        Assert.IsNotNull(first.Next);
        Assert.AreEqual(14, first.Total);
        CollectionAssert.AreEqual(Enumerable.Range(1, 27).Where(i => i % 2 == 1).Reverse().ToList(), all);
        var next = await storage.Rows.SearchAsync<Quote>("quotes", search with { After = first.Next });
        Assert.AreEqual(19, next.Rows[0].Score);
    }

    [TestMethod]
    public async Task Rows_update_inc_and_max_with_upsert_inserts_once_then_updates()
    {
        await using var storage = await MigratedAsync();
        var play = new Update().Inc("plays", 1).Max("best", 5);

        var inserted = await storage.Rows.UpdateAsync("stats", Filter.Eq("player", "ann"), play, upsert: true);
        var updated = await storage.Rows.UpdateAsync("stats", Filter.Eq("player", "ann"), new Update().Inc("plays", 1).Max("best", 3), upsert: true);
        await storage.Rows.UpdateAsync("stats", "ann", new Update().Max("best", 9));

        Assert.AreEqual(0, inserted.Matched);
        Assert.IsNotNull(inserted.UpsertedId);
        Assert.AreEqual(1, updated.Matched);
        Assert.AreEqual(new PlayerStats("ann", 2, 9), await storage.Rows.GetAsync<PlayerStats>("stats", "ann"));
    }

    [TestMethod]
    public async Task Rows_delete_by_id_by_filter_and_all_only_when_said()
    {
        await using var storage = await MigratedAsync();
        var ids = await storage.Rows.InsertManyAsync("quotes", Enumerable.Range(1, 5).Select(i => new Quote(null, "a", $"t{i}", i)));

        Assert.AreEqual(1, await storage.Rows.DeleteAsync("quotes", ids[0]));
        Assert.AreEqual(2, await storage.Rows.DeleteAsync("quotes", Filter.Lte("score", 3)));
        var update = await storage.Rows.UpdateAsync("quotes", Filter.All, new Update().Set("author", "b"));
        Assert.AreEqual(2, update.Updated);
        Assert.AreEqual(2, await storage.Rows.DeleteAsync("quotes", Filter.All));
        Assert.AreEqual(0, (await storage.Rows.SearchAsync<Quote>("quotes")).Rows.Count);
    }

    [TestMethod]
    public async Task Rows_unknown_table_is_not_found_and_unknown_column_is_invalid_request()
    {
        await using var storage = await MigratedAsync();

        var table = await Assert.ThrowsAsync<StorageException>(() => storage.Rows.InsertAsync("nope", new { a = 1 }));
        var column = await Assert.ThrowsAsync<StorageException>(() => storage.Rows.SelectAsync<Quote>("quotes", Filter.Eq("colour", "red")));
        var unique = await Assert.ThrowsAsync<StorageException>(() => storage.Rows.InsertManyAsync("stats", new[] { new PlayerStats("x", 1, null), new PlayerStats("x", 1, null) }));

        Assert.AreEqual(StorageErrorCode.NotFound, table.Code);
        Assert.AreEqual(StorageErrorCode.InvalidRequest, column.Code);
        StringAssert.Contains(column.Message, "colour");
        Assert.AreEqual(StorageErrorCode.Conflict, unique.Code);
        var description = await storage.Rows.DescribeAsync("stats");
        CollectionAssert.AreEqual(new[] { "best", "player", "plays" }, description.Tables[0].Columns.Select(c => c.Name).ToArray());
    }
}
