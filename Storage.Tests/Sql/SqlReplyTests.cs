using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

/// <summary>
/// The <c>query</c> reply the host sends is written once, straight from the rows: it must be byte for
/// byte what serializing the tier's <see cref="SqlQueryResponse"/> gives (apart from the time taken),
/// and the byte cap must stop it exactly where it stops the response.
/// </summary>
[TestClass]
public sealed partial class SqlReplyTests
{
    private const string Fifty = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 50) SELECT n FROM r";

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_written_reply_is_the_serialized_response(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var text = "'" + "caf\u00e9 \uD83D\uDE00 'quoted' \"double\" <b>&</b> 1+1 `tick` \\ /\n\t".Replace("'", "''", StringComparison.Ordinal) + "'";
        var query = $"SELECT id, name, qty, {text} AS \"na\u00efve <col>\", 12345678901234567 AS big, 1.5 AS half FROM items ORDER BY id";
        await AssertSameAsync(backend, plugin, JsonSerializer.Serialize(new { query }));
        await AssertSameAsync(backend, plugin, JsonSerializer.Serialize(new { query, max_rows = 1 }));
        await AssertSameAsync(backend, plugin, """{"query":"SELECT 1 AS a, 1 AS a, NULL AS b"}""");
        await AssertSameAsync(backend, plugin, """{"query":"UPDATE items SET qty = qty WHERE id = 1","allow_write":true}""");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_byte_cap_stops_the_written_reply_where_it_stops_the_response(string backend)
    {
        await using var services = SqlTestServices.Build(backend, o => o.MaxResultBytes = 2048);
        var plugin = TestPlugins.New();
        var big = $$"""{"query":"SELECT n, 'padding-padding-padding-padding' AS p FROM ({{Fifty}}) AS x"}""";
        var response = await SqlTestSchema.FailAsync(backend, plugin, big, services);
        var written = await Assert.ThrowsExactlyAsync<StorageException>(() => WriteAsync(backend, plugin, big, services));
        Assert.AreEqual(StorageErrorCode.TooLarge, written.Code);
        Assert.AreEqual(response.Message, written.Message);
        CollectionAssert.AreEquivalent(response.Details.ToList(), written.Details.ToList());
        // Just under the cap: both succeed with every row.
        var fits = $$"""{"query":"SELECT n, 'padding' AS p FROM ({{Fifty}}) AS x WHERE n <= 30"}""";
        Assert.AreEqual(30, (await SqlTestSchema.RunAsync(backend, plugin, fits, services)).RowCount);
        StringAssert.Contains(await WriteAsync(backend, plugin, fits, services), "\"row_count\":30,");
    }

    private static async Task AssertSameAsync(string backend, PluginId plugin, string json)
    {
        var response = await SqlTestSchema.RunAsync(backend, plugin, json);
        var expected = Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(response, SqlJsonContext.Default.SqlQueryResponse));
        Assert.AreEqual(Untimed(expected), Untimed(await WriteAsync(backend, plugin, json)));
    }

    private static async Task<string> WriteAsync(string backend, PluginId plugin, string json, IServiceProvider? services = null)
    {
        using var reply = new PooledBufferWriter();
        await SqlTestSchema.Runner(backend, services).WriteQueryAsync(plugin, SqlTestSchema.Request(json), reply, CancellationToken.None);
        return Encoding.UTF8.GetString(reply.WrittenSpan);
    }

    private static string Untimed(string reply) => ElapsedMs().Replace(reply, "\"elapsed_ms\":0");

    [GeneratedRegex("\"elapsed_ms\":[0-9.eE+-]+")]
    private static partial Regex ElapsedMs();
}
