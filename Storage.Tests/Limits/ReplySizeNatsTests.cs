using System.Diagnostics;
using Storage.Core;
using Storage.Tests.Infrastructure;
using Storage.Tests.Rows;
using Storage.Tests.Sql;

namespace Storage.Tests.Limits;

/// <summary>
/// Through NATS, with the test nats-server's default max_payload of 1 MiB: SQL query and row
/// select/search results that would not fit a reply are TOO_LARGE with <c>details.limit_bytes</c>,
/// never INTERNAL (NatsPayloadTooLargeException), on both backends.
/// </summary>
[TestClass]
public sealed class ReplySizeNatsTests
{
    private const long MaxPayload = 1024 * 1024;
    private const long Limit = MaxPayload - ReplyLimits.HeadroomBytes;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_sql_result_just_over_max_payload_is_too_large_with_limit_bytes(string backend)
    {
        var plugin = TestPlugins.New();
        var big = backend == Backend.Postgres ? "repeat('x', 1050000)" : "printf('%.*c', 1050000, 'x')";
        var reply = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", $$"""{"query":"SELECT {{big}} AS v"}""");
        AssertTooLarge(reply);

        // Many small rows add up the same way.
        var row = backend == Backend.Postgres ? "repeat('y', 600)" : "printf('%.*c', 600, 'y')";
        var many = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query",
            $$"""{"query":"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5000) SELECT n, {{row}} AS v FROM r","max_rows":10000}""");
        AssertTooLarge(many);

        var fits = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query",
            $$"""{"query":"SELECT {{big.Replace("1050000", "900000", StringComparison.Ordinal)}} AS v"}""");
        Assert.IsFalse(fits.IsError, fits.ErrorMessage);
        Assert.AreEqual(900_000, fits["rows"][0].GetProperty("v").GetString()!.Length);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Text_that_grows_when_escaped_is_counted_as_sent(string backend)
    {
        // 400,000 'é' are 800 KB of UTF-8 but 2.4 MB once the reply escapes them as \u00E9.
        var plugin = TestPlugins.New();
        var accents = backend == Backend.Postgres ? "repeat('é', 400000)" : "replace(printf('%.*c', 400000, 'x'), 'x', 'é')";
        var reply = await TestHosts.RequestAsync(backend, $"db.sql.{plugin}.query", $$"""{"query":"SELECT {{accents}} AS v"}""");
        AssertTooLarge(reply);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_row_search_or_select_over_max_payload_is_too_large_with_limit_bytes(string backend)
    {
        var plugin = TestPlugins.New();
        await RowTestSchema.RunAsync(backend, plugin, $"CREATE TABLE notes ({RowTestSchema.IdColumn(backend)}, body TEXT)");
        // Three rows of 400 KB each: any two together pass the 1 MiB reply.
        var body = new string('n', 400_000);
        for (var i = 0; i < 3; i++)
        {
            var insert = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.insert", $$$"""{"table":"notes","data":{"body":"{{{body}}}"}}""");
            Assert.IsFalse(insert.IsError, insert.ErrorMessage);
        }
        AssertTooLarge(await TestHosts.RequestAsync(backend, $"db.row.{plugin}.search", """{"table":"notes"}"""));
        AssertTooLarge(await TestHosts.RequestAsync(backend, $"db.row.{plugin}.select", """{"table":"notes","filters":{}}"""));
        AssertTooLarge(await TestHosts.RequestAsync(backend, $"db.row.{plugin}.select", """{"table":"notes","ids":[1,2,3]}"""));

        var page = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.search", """{"table":"notes","limit":2,"fields":["id"]}""");
        Assert.IsFalse(page.IsError, page.ErrorMessage);
        Assert.AreEqual(2, page["rows"].GetArrayLength());
        var one = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.select", """{"table":"notes","id":2}""");
        Assert.IsFalse(one.IsError, one.ErrorMessage);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_search_that_would_build_600_mb_from_a_few_mb_on_disk_is_too_large_quickly(string backend)
    {
        // 1,000 rows of 600 KB each, about 600 MB if built, from little on disk: PostgreSQL compresses
        // the repeated text; on SQLite the column is a virtual generated one, computed while reading.
        var plugin = TestPlugins.New();
        if (backend == Backend.Postgres)
        {
            await RowTestSchema.RunAsync(backend, plugin, $"CREATE TABLE blobs ({RowTestSchema.IdColumn(backend)}, n integer, body text)");
            await SqlTestSchema.ExecuteAsync(backend, plugin, "INSERT INTO blobs (n, body) SELECT n, repeat('z', 600000) FROM generate_series(1, 1000) AS n");
        }
        else
        {
            await RowTestSchema.RunAsync(backend, plugin,
                $"CREATE TABLE blobs ({RowTestSchema.IdColumn(backend)}, n INTEGER, body TEXT GENERATED ALWAYS AS (printf('%.*c', 600000, 'z')) VIRTUAL)");
            await SqlTestSchema.ExecuteAsync(backend, plugin, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000) INSERT INTO blobs (n) SELECT n FROM r");
        }
        var clock = Stopwatch.StartNew();
        var reply = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.search", """{"table":"blobs","limit":1000}""");
        AssertTooLarge(reply);
        // Measured, not asserted (the machine is shared): reading stops at the cap.
        Console.WriteLine($"{backend}: TOO_LARGE after {clock.ElapsedMilliseconds} ms");
    }

    private static void AssertTooLarge(Reply reply)
    {
        Assert.AreEqual("TOO_LARGE", reply.ErrorCode, reply.IsError ? reply.ErrorMessage : "no error");
        var details = reply["error"].GetProperty("details");
        Assert.AreEqual(Limit, details.GetProperty("limit_bytes").GetInt64());
        Assert.AreEqual(MaxPayload, details.GetProperty("max_payload").GetInt64());
        Assert.IsGreaterThan(Limit, details.GetProperty("configured_bytes").GetInt64());
        StringAssert.Contains(reply.ErrorMessage, "max_payload");
    }
}
