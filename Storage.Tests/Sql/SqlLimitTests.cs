using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlLimitTests
{
    private const string Runaway = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r";
    private const string Fifty = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 50) SELECT n FROM r";

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_runaway_query_times_out_and_the_service_stays_healthy(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var error = await SqlTestSchema.FailAsync(backend, plugin, $$"""{"query":"{{Runaway}}","timeout_ms":200}""");
        Assert.AreEqual(StorageErrorCode.Timeout, error.Code, error.Message);
        var write = await SqlTestSchema.FailAsync(backend, plugin, $$"""{"query":"UPDATE items SET qty = (SELECT count(*) FROM ({{Runaway}}) AS x)","timeout_ms":200,"allow_write":true}""");
        Assert.AreEqual(StorageErrorCode.Timeout, write.Code, write.Message);
        for (var i = 0; i < 5; i++)
        {
            var after = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT qty FROM items WHERE id = 1");
            Assert.AreEqual("""[{"qty":3}]""", after.Rows.GetRawText());
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Rows_past_max_rows_are_cut_and_flagged_truncated(string backend)
    {
        var plugin = TestPlugins.New();
        var cut = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"{{Fifty}}","max_rows":10}""");
        Assert.AreEqual(10, cut.RowCount);
        Assert.IsTrue(cut.Truncated);
        Assert.AreEqual(10, cut.Rows.GetArrayLength());
        var whole = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"{{Fifty}}","max_rows":50}""");
        Assert.AreEqual(50, whole.RowCount);
        Assert.IsFalse(whole.Truncated);
        var byDefault = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"{{Fifty}}"}""");
        Assert.IsFalse(byDefault.Truncated);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_cut_read_stops_the_statement_instead_of_reading_the_rest(string backend)
    {
        // Far more rows than could stream within the timeout: only stopping at max_rows can answer in time.
        var plugin = TestPlugins.New();
        const string endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000) SELECT n FROM r";
        for (var i = 0; i < 3; i++)
        {
            var reply = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"{{endless}}","max_rows":5,"timeout_ms":3000,"explain":false}""");
            Assert.AreEqual("""[{"n":1},{"n":2},{"n":3},{"n":4},{"n":5}]""", reply.Rows.GetRawText());
            Assert.IsTrue(reply.Truncated);
        }
        var after = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT 2 AS two");
        Assert.AreEqual("""[{"two":2}]""", after.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"query":"SELECT 1","max_rows":0}""", "max_rows")]
    [DataRow(Backend.Postgres, """{"query":"SELECT 1","max_rows":10001}""", "max_rows")]
    [DataRow(Backend.Sqlite, """{"query":"SELECT 1","timeout_ms":30001}""", "timeout_ms")]
    [DataRow(Backend.Postgres, """{"query":"SELECT 1","timeout_ms":0}""", "timeout_ms")]
    [DataRow(Backend.Sqlite, """{"query":"  "}""", "query")]
    [DataRow(Backend.Postgres, """{"params":{}}""", "query")]
    public async Task Out_of_range_fields_are_invalid_request_naming_the_field(string backend, string json, string field)
    {
        var error = await SqlTestSchema.FailAsync(backend, TestPlugins.New(), json);
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual(field, error.Details["field"]);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Query_text_over_64_KiB_is_too_large(string backend)
    {
        var query = "SELECT 1 AS a /*" + new string('x', 64 * 1024) + "*/";
        var error = await SqlTestSchema.FailAsync(backend, TestPlugins.New(), $$"""{"query":"{{query}}"}""");
        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code);
        Assert.AreEqual("query", error.Details["field"]);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Results_over_the_byte_cap_are_too_large(string backend)
    {
        await using var services = SqlTestServices.Build(backend, o => o.MaxResultBytes = 2048);
        var plugin = TestPlugins.New();
        var small = await SqlTestSchema.RunAsync(backend, plugin, """{"query":"SELECT 'small' AS s"}""", services);
        Assert.AreEqual(1, small.RowCount);
        var error = await SqlTestSchema.FailAsync(backend, plugin, $$"""{"query":"SELECT n, 'padding-padding-padding-padding' AS p FROM ({{Fifty}}) AS x"}""", services);
        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code);
        Assert.AreEqual(2048L, error.Details["limit_bytes"]);
    }
}
