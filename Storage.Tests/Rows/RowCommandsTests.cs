using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SQLitePCL;
using Storage.Core;
using Storage.Rows;
using Storage.Rows.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>
/// Row reads keep their statements prepared on pooled SQLite connections (<see cref="RowCommands"/>):
/// a kept statement must never serve stale rows or an old shape, and a plugin sending ever new filter
/// shapes must not grow the cache past its bound.
/// </summary>
[TestClass]
public sealed class RowCommandsTests
{
    // sqlite3_stmt_status counters (SQLITE_STMTSTATUS_REPREPARE, _RUN), which SQLitePCL.raw does not name.
    private const int StatusReprepare = 5;
    private const int StatusRun = 6;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_repeated_search_sees_new_rows_and_new_columns(string backend)
    {
        var plugin = TestPlugins.New("rc");
        await CreateItemsAsync(backend, plugin);
        var rows = TestBackends.Get<IRowStore>(backend);
        await rows.InsertAsync(plugin, new RowInsertRequest("items", Json("""[{"name":"a","qty":1},{"name":"b","qty":2}]""")), CancellationToken.None);
        var search = new RowSearchRequest("items", Filters: Json("""{"qty":{"$gte":1}}"""), Sort: Json("""{"field":"qty"}"""));
        Assert.HasCount(2, (await rows.SearchAsync(plugin, search, CancellationToken.None)).Rows);
        // Same statement text again, with a row inserted in between: the kept statement reads it.
        await rows.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"c","qty":3}""")), CancellationToken.None);
        var again = await rows.SearchAsync(plugin, search, CancellationToken.None);
        Assert.AreEqual("a,b,c", string.Join(",", again.Rows.Select(r => r["name"]!.GetValue<string>())));
        // Another parameter value on the same text.
        var one = await rows.SearchAsync(plugin, search with { Filters = Json("""{"qty":{"$gte":3}}""") }, CancellationToken.None);
        Assert.AreEqual("c", one.Rows.Single()["name"]!.GetValue<string>());
        // A column added since: the next search returns it.
        await RunAsync(backend, plugin, "ALTER TABLE items ADD COLUMN note TEXT");
        var wider = await rows.SearchAsync(plugin, search, CancellationToken.None);
        Assert.IsTrue(wider.Rows[0].ContainsKey("note"));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_sending_ever_new_filter_shapes_keeps_at_most_the_bound(string backend)
    {
        var plugin = TestPlugins.New("rc");
        await CreateItemsAsync(backend, plugin);
        var rows = TestBackends.Get<IRowStore>(backend);
        await rows.InsertAsync(plugin, new RowInsertRequest("items", Json("""{"name":"a","qty":1}""")), CancellationToken.None);
        // Every $in list length is another statement text.
        for (var n = 1; n <= 3 * RowCommands.MaxStatements; n++)
        {
            var list = string.Join(",", Enumerable.Range(1, n));
            var page = await rows.SearchAsync(plugin, new RowSearchRequest("items", Filters: Json($$$"""{"qty":{"$in":[{{{list}}}]}}""")), CancellationToken.None);
            Assert.HasCount(1, page.Rows);
        }
        var database = TestBackends.Get(backend).GetRequiredService<IPluginDatabase>();
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None);
        var kept = RowCommands.Of(connection);
        if (backend == Backend.Postgres)
            Assert.IsNull(kept, "PostgreSQL plugin connections are reset between leases: nothing is kept.");
        else
            Assert.IsTrue(kept!.Count is > 0 and <= RowCommands.MaxStatements, $"kept {kept.Count}");
    }

    [TestMethod]
    public async Task Repeated_reads_run_their_kept_statements_without_preparing_them_again()
    {
        var plugin = TestPlugins.New("rc");
        await CreateItemsAsync(Backend.Sqlite, plugin);
        var rows = TestBackends.Get<IRowStore>(Backend.Sqlite);
        await rows.InsertAsync(plugin, new RowInsertRequest("items", Json("""[{"name":"a","qty":1},{"name":"b","qty":2},{"name":"c","qty":3}]""")), CancellationToken.None);
        // Other parameter values each time, as a plugin's searches have; one request at a time, so one pooled connection.
        for (var qty = 1; qty <= 3; qty++)
        {
            var search = new RowSearchRequest("items", Filters: Json($$$"""{"qty":{"$gte":{{{qty}}}}}"""), Sort: Json("""{"field":"qty","order":"desc"}"""), Limit: 1);
            Assert.AreEqual("c", (await rows.SearchAsync(plugin, search, CancellationToken.None)).Rows.Single()["name"]!.GetValue<string>());
            var select = new RowSelectRequest("items", Filters: Json($$"""{"qty":{{qty}}}"""));
            Assert.AreEqual(qty, (await rows.SelectAsync(plugin, select, CancellationToken.None)).Rows!.Single()["qty"]!.GetValue<long>());
        }
        var database = TestBackends.Get(Backend.Sqlite).GetRequiredService<IPluginDatabase>();
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None);
        var reads = RowCommands.Of(connection)!.Commands.Cast<SqliteCommand>().Where(c => c.CommandText.Contains("FROM \"items\"", StringComparison.Ordinal)).ToList();
        Assert.HasCount(2, reads, "the search and the select, one statement each");
        foreach (var command in reads)
        {
            // Once more with its last parameters (bound again, as every run binds them), to read the statement's counters.
            await using var reader = await command.ExecuteReaderAsync();
            Assert.IsGreaterThanOrEqualTo(3, raw.sqlite3_stmt_status(reader.Handle, StatusRun, 0), command.CommandText);
            // With a bound LIMIT SQLite prepared the statement again on every run (it plans with the value).
            Assert.AreEqual(0, raw.sqlite3_stmt_status(reader.Handle, StatusReprepare, 0), command.CommandText);
        }
    }

    [TestMethod]
    public async Task The_cache_drops_the_least_recently_used_statement_at_the_bound()
    {
        var plugin = TestPlugins.New("rc");
        await CreateItemsAsync(Backend.Sqlite, plugin);
        var database = TestBackends.Get(Backend.Sqlite).GetRequiredService<IPluginDatabase>();
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None);
        var kept = RowCommands.Of(connection)!;
        var first = kept.Get("SELECT 0");
        for (var i = 1; i < RowCommands.MaxStatements; i++)
            kept.Get($"SELECT {i}");
        Assert.AreSame(first, kept.Get("SELECT 0"), "a kept statement is reused (and becomes the most recent)");
        kept.Get("SELECT 'one more'");
        Assert.AreEqual(RowCommands.MaxStatements, kept.Count);
        Assert.AreSame(first, kept.Get("SELECT 0"), "the least recently used one (SELECT 1) went, not SELECT 0");
        Assert.AreEqual(RowCommands.MaxStatements, kept.Count);
    }
}
