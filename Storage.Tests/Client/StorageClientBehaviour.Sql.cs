using Storage.Client;

namespace Storage.Tests.Client;

public abstract partial class StorageClientBehaviour
{
    private sealed record AuthorCount(string Author, long N);

    [TestMethod]
    public async Task Sql_query_binds_named_parameters_from_an_anonymous_object_into_typed_rows()
    {
        await using var storage = await MigratedAsync();
        await storage.Rows.InsertManyAsync("quotes", new[]
        {
            new Quote(null, "ann", "old", 1, DateTimeOffset.Parse("2020-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            new Quote(null, "ann", "new", 2, DateTimeOffset.Parse("2025-06-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            new Quote(null, "bob", "new", 3, DateTimeOffset.Parse("2025-06-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            new Quote(null, "bob", "newer", 4, DateTimeOffset.Parse("2025-06-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
        });
        var since = new DateTimeOffset(2025, 1, 1, 1, 0, 0, TimeSpan.FromHours(1));

        var rows = await storage.Sql.QueryAsync<AuthorCount>(
            "SELECT author, COUNT(*) AS n FROM quotes WHERE created_at >= :since AND score >= :min GROUP BY author ORDER BY author", new { since, min = 2 });
        var raw = await storage.Sql.QueryAsync("SELECT text FROM quotes ORDER BY score", options: new SqlQueryOptions { MaxRows = 2 });

        CollectionAssert.AreEqual(new[] { new AuthorCount("ann", 1), new AuthorCount("bob", 2) }, rows.ToArray());
        Assert.IsTrue(raw.Truncated);
        CollectionAssert.AreEqual(new[] { "text" }, raw.Columns.ToArray());
        Assert.AreEqual(2, await storage.Sql.ExecuteAsync("UPDATE quotes SET score = score + 10 WHERE author = :who", new Dictionary<string, object?> { ["who"] = "bob" }));
    }

    [TestMethod]
    public async Task Sql_errors_keep_their_codes()
    {
        await using var storage = await MigratedAsync();

        var ddl = await Assert.ThrowsAsync<StorageException>(() => storage.Sql.QueryAsync<AuthorCount>("DROP TABLE quotes"));
        var write = await Assert.ThrowsAsync<StorageException>(() => storage.Sql.QueryAsync<AuthorCount>("DELETE FROM quotes"));
        var missing = await Assert.ThrowsAsync<StorageException>(() => storage.Sql.QueryAsync<AuthorCount>("SELECT * FROM quotes WHERE author = :who"));

        Assert.AreEqual(StorageErrorCode.Forbidden, ddl.Code);
        Assert.AreEqual(StorageErrorCode.Forbidden, write.Code);
        Assert.AreEqual(StorageErrorCode.InvalidRequest, missing.Code);
        StringAssert.Contains(missing.Message, "who");
    }

    [TestMethod]
    public async Task Migrations_apply_from_a_folder_report_status_and_roll_back()
    {
        await using var storage = await MigratedAsync();

        var status = await storage.Migrations.StatusAsync();
        var again = await storage.Migrations.ApplyAsync([new Migration("001_quotes", MigrationSql.Both(
            "CREATE TABLE quotes (id SERIAL PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, score INTEGER NOT NULL DEFAULT 0, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW())"))]);
        var edited = await Assert.ThrowsAsync<StorageException>(() => storage.Migrations.ApplyAsync([new Migration("001_quotes", MigrationSql.Both("CREATE TABLE x (a INTEGER)"))]));
        var rolledBack = await storage.Migrations.RollbackAsync();
        var failed = await Assert.ThrowsAsync<StorageException>(() => storage.Migrations.ApplyAsync([new Migration("003_bad", MigrationSql.Both("CREATE TABLE quotes (a INTEGER)"))]));

        Assert.AreEqual("002_stats", status.Current);
        CollectionAssert.AreEqual(new[] { "001_quotes", "002_stats" }, status.Applied.Select(a => a.Version).ToArray());
        Assert.IsEmpty(again.Applied);
        Assert.AreEqual(StorageErrorCode.Conflict, edited.Code);
        CollectionAssert.AreEqual(new[] { "002_stats" }, rolledBack.RolledBack.ToArray());
        Assert.AreEqual("001_quotes", rolledBack.Current);
        Assert.AreEqual(StorageErrorCode.MigrationFailed, failed.Code);
        Assert.AreEqual(StorageErrorCode.NotFound, (await Assert.ThrowsAsync<StorageException>(() => storage.Rows.GetAsync<PlayerStats>("stats", "ann"))).Code);
    }
}
