using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using Storage.Tests.Rows;
using Storage.Tests.Sql;

namespace Storage.Tests.Limits;

/// <summary>
/// Limits on single statements, on both backends: too many bound values is INVALID_REQUEST naming the
/// field and the limit; SQLite values past Storage:Sqlite:MaxValueBytes are TOO_LARGE at once; a
/// SQL timeout holds even for one long function call; row requests have a statement timeout.
/// </summary>
[TestClass]
public sealed class StatementLimitTests
{
    // Far past either bound if nothing stopped it; generous for a loaded machine.
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_filter_with_70000_values_is_invalid_request_naming_the_limit(string backend)
    {
        var plugin = TestPlugins.New();
        await RowTestSchema.CreateItemsAsync(backend, plugin);
        var lists = Enumerable.Range(0, 70).Select(l => $$$"""{"qty":{"$in":[{{{string.Join(',', Enumerable.Range(l * 1000, 1000))}}}]}}""");
        var request = new RowSearchRequest("items", RowTestSchema.Json($$"""{"$or":[{{string.Join(',', lists)}}]}"""));
        var error = await Assert.ThrowsExactlyAsync<StorageException>(() =>
            TestBackends.Get<IRowStore>(backend).SearchAsync(plugin, request, CancellationToken.None));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code, error.Message);
        var limit = ParameterLimits.For(backend == Backend.Postgres ? StorageProvider.Postgres : StorageProvider.Sqlite);
        Assert.AreEqual(limit, error.Details["limit"]);
        StringAssert.StartsWith((string)error.Details["field"]!, "filters.$or[");
        StringAssert.Contains(error.Message, limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A large filter within the limit runs (2,000 values: an OR of 32 lists of 1,000 takes SQLite's
        // planner seconds on a loaded machine, past the row statement timeout).
        var fits = new RowSearchRequest("items", RowTestSchema.Json($$"""{"$or":[{{string.Join(',', lists.Take(2))}}]}"""));
        var reply = await TestBackends.Get<IRowStore>(backend).SearchAsync(plugin, fits, CancellationToken.None);
        Assert.IsEmpty(reply.Rows);
    }

    [TestMethod]
    [DataRow("SELECT randomblob(500000000) AS v")]
    [DataRow("SELECT zeroblob(500000000) AS v")]
    [DataRow("SELECT printf('%.*c', 500000000, 'x') AS v")]
    [DataRow("SELECT length(replace(hex(zeroblob(3000000)), '0', 'xyzxyz')) AS v")]
    public async Task On_sqlite_a_value_past_max_value_bytes_is_too_large_at_once(string query)
    {
        var plugin = TestPlugins.New();
        var error = await SqlTestSchema.FailAsync(Backend.Sqlite, plugin, $$"""{"query":"{{query}}"}""");
        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code, error.Message);
        StringAssert.Contains(error.Message, "Storage:Sqlite:MaxValueBytes");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_value_over_166_million_characters_is_too_large_not_internal(string backend)
    {
        var plugin = TestPlugins.New();
        var query = backend == Backend.Postgres ? "SELECT repeat(repeat('x', 1000000), 200) AS v" : "SELECT printf('%.*c', 200000000, 'x') AS v";
        var error = await SqlTestSchema.FailAsync(backend, plugin, $$"""{"query":"{{query}}","timeout_ms":30000}""");
        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code, error.Message);
    }

    [TestMethod]
    [DataRow("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100000) SELECT sum(length(replace(printf('%.*c', 4000000 + n % 2, 'x'), 'x', 'yz'))) AS v FROM r")]
    [DataRow("SELECT length(replace(replace(replace(printf('%.*c', 5000000, 'x'), 'x', 'ab'), 'a', 'cd'), 'c', 'ef')) AS v")]
    public async Task On_sqlite_timeout_ms_holds_for_heavy_rows_and_long_function_calls(string query)
    {
        var plugin = TestPlugins.New();
        var clock = Stopwatch.StartNew();
        var error = await SqlTestSchema.FailAsync(Backend.Sqlite, plugin, $$"""{"query":"{{query}}","timeout_ms":1000}""");
        Assert.IsTrue(error.Code is StorageErrorCode.Timeout or StorageErrorCode.TooLarge, $"{error.Code}: {error.Message}");
        Console.WriteLine($"{error.Code} after {clock.ElapsedMilliseconds} ms");
        Assert.IsLessThan(Generous, clock.Elapsed);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_row_request_past_the_statement_timeout_is_timeout(string backend)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddPluginStorage(o => TestBackends.Configure(backend, o)).AddRows(o => o.StatementTimeoutMs = 1000);
        await using var provider = services.BuildServiceProvider();
        var rows = provider.GetRequiredService<IRowStore>();
        var plugin = TestPlugins.New();
        var clock = Stopwatch.StartNew();
        Task<RowSearchResponse> search;
        if (backend == Backend.Sqlite)
        {
            // Each row computes a 6 MB value (under Storage:Sqlite:MaxValueBytes; it depends on n, so SQLite cannot compute it once): scanning 5,000 takes minutes.
            await RowTestSchema.RunAsync(provider, plugin,
                "CREATE TABLE slow (id INTEGER PRIMARY KEY, n INTEGER, body TEXT GENERATED ALWAYS AS (replace(printf('%.*c', 3000000 + n % 2, 'x'), 'x', 'yz')) VIRTUAL)");
            await SqlTestSchema.ExecuteAsync(backend, plugin, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5000) INSERT INTO slow (n) SELECT n FROM r", provider);
            clock.Restart();
            search = rows.SearchAsync(plugin, new RowSearchRequest("slow", RowTestSchema.Json("""{"body":"none"}""")), CancellationToken.None);
        }
        else
        {
            // Another session holds the table locked: the search waits until its timeout.
            await RowTestSchema.RunAsync(provider, plugin, "CREATE TABLE slow (id bigserial PRIMARY KEY, n integer)");
            var database = provider.GetRequiredService<IPluginDatabase>();
            await using var holder = await database.OpenPluginAsync(plugin, PluginAccess.Schema, CancellationToken.None);
            await using var transaction = await holder.Connection.BeginTransactionAsync();
            await using (var lockCommand = holder.CreateCommand("LOCK TABLE slow IN ACCESS EXCLUSIVE MODE", transaction))
                await lockCommand.ExecuteNonQueryAsync();
            clock.Restart();
            search = rows.SearchAsync(plugin, new RowSearchRequest("slow"), CancellationToken.None);
            var error = await Assert.ThrowsExactlyAsync<StorageException>(() => search);
            Assert.AreEqual(StorageErrorCode.Timeout, error.Code, error.Message);
            Console.WriteLine($"postgres: TIMEOUT after {clock.ElapsedMilliseconds} ms");
            return;
        }
        var timeout = await Assert.ThrowsExactlyAsync<StorageException>(() => search);
        Assert.AreEqual(StorageErrorCode.Timeout, timeout.Code, timeout.Message);
        Console.WriteLine($"sqlite: TIMEOUT after {clock.ElapsedMilliseconds} ms");
        Assert.IsLessThan(Generous, clock.Elapsed);
    }
}
