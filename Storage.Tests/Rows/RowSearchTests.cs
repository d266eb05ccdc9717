using System.Collections.Concurrent;
using System.Text;
using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>Sorting, paging, cursors, projection and counts, against one seeded table per backend.</summary>
[TestClass]
public sealed class RowSearchTests
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<PluginId>>> Seeded = new();

    private static Task<PluginId> SeedAsync(string backend) =>
        Seeded.GetOrAdd(backend, b => new Lazy<Task<PluginId>>(async () =>
        {
            var plugin = TestPlugins.New("s");
            await CreateItemsAsync(b, plugin);
            // 25 rows: qty cycles 0..4 (row 25 has none), names n01..n25, created a minute apart.
            var rows = Enumerable.Range(1, 25).Select(i =>
                $$"""{"name":"n{{i:00}}","qty":{{(i == 25 ? "null" : (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture))}},"created_at":"2025-01-01T10:{{i:00}}:00Z"}""");
            await TestBackends.Get<IRowStore>(b).InsertAsync(plugin, new RowInsertRequest("items", Json("[" + string.Join(",", rows) + "]")), CancellationToken.None);
            return plugin;
        })).Value;

    private static async Task<RowSearchResponse> SearchAsync(string backend, RowSearchRequest request) =>
        await TestBackends.Get<IRowStore>(backend).SearchAsync(await SeedAsync(backend), request, CancellationToken.None);

    private static string Names(RowSearchResponse response) => string.Join(",", response.Rows.Select(r => r["name"]!.GetValue<string>()));

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Default_search_returns_up_to_100_rows_by_id(string backend)
    {
        var all = await SearchAsync(backend, new RowSearchRequest("items"));
        Assert.HasCount(25, all.Rows);
        Assert.IsFalse(all.Truncated);
        Assert.IsNull(all.Next);
        Assert.IsNull(all.Total);
        Assert.AreEqual("n01", all.Rows[0]["name"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Sort_on_several_fields_puts_null_first_ascending(string backend)
    {
        var page = await SearchAsync(backend, new RowSearchRequest("items", Sort: Json("""[{"field":"qty"},{"field":"name","order":"desc"}]"""), Limit: 4));
        Assert.AreEqual("n25,n20,n15,n10", Names(page));
        Assert.IsTrue(page.Truncated);
        var desc = await SearchAsync(backend, new RowSearchRequest("items", Sort: Json("""{"field":"created_at","order":"desc"}"""), Limit: 2));
        Assert.AreEqual("n25,n24", Names(desc));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """[{"field":"qty","order":"desc"},{"field":"name"}]""")]
    [DataRow(Backend.Postgres, """[{"field":"qty","order":"desc"},{"field":"name"}]""")]
    [DataRow(Backend.Sqlite, """{"field":"qty"}""")]
    [DataRow(Backend.Postgres, """{"field":"qty"}""")]
    [DataRow(Backend.Sqlite, """{"field":"created_at","order":"desc"}""")]
    [DataRow(Backend.Postgres, """{"field":"created_at","order":"desc"}""")]
    public async Task Paging_with_next_visits_every_row_once_in_order(string backend, string sort)
    {
        var whole = Names(await SearchAsync(backend, new RowSearchRequest("items", Sort: Json(sort), Limit: 1000)));
        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await SearchAsync(backend, new RowSearchRequest("items", Sort: Json(sort), Limit: 4, After: after));
            seen.AddRange(page.Rows.Select(r => r["name"]!.GetValue<string>()));
            Assert.AreEqual(page.Truncated, page.Next is not null);
            after = page.Next;
            pages++;
        }
        while (after is not null);
        Assert.AreEqual(7, pages);
        Assert.AreEqual(whole, string.Join(",", seen));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Offset_fields_and_count_work_together_with_filters(string backend)
    {
        var page = await SearchAsync(backend, new RowSearchRequest("items", Filters: Json("""{"qty":{"$gte":3}}"""),
            Limit: 3, Offset: 2, Fields: ["name"], Count: true));
        Assert.AreEqual(10L, page.Total);
        Assert.AreEqual("n08,n09,n13", Names(page));
        Assert.IsTrue(page.Rows.All(r => r.Count == 1));
        Assert.IsTrue(page.Truncated);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Out_of_range_and_unknown_search_options_are_invalid(string backend)
    {
        var plugin = await SeedAsync(backend);
        var store = TestBackends.Get<IRowStore>(backend);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "limit", () => store.SearchAsync(plugin, new RowSearchRequest("items", Limit: 1001), CancellationToken.None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "limit", () => store.SearchAsync(plugin, new RowSearchRequest("items", Limit: 0), CancellationToken.None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "offset", () => store.SearchAsync(plugin, new RowSearchRequest("items", Offset: -1), CancellationToken.None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "nope", () => store.SearchAsync(plugin, new RowSearchRequest("items", Sort: Json("""{"field":"nope"}""")), CancellationToken.None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "order", () => store.SearchAsync(plugin, new RowSearchRequest("items", Sort: Json("""{"field":"qty","order":"up"}""")), CancellationToken.None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "fields[1]", () => store.SearchAsync(plugin, new RowSearchRequest("items", Fields: ["name", "nope"]), CancellationToken.None));
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "tags", () => store.SearchAsync(plugin, new RowSearchRequest("items", Sort: Json("""{"field":"tags"}""")), CancellationToken.None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_tampered_or_foreign_cursor_is_invalid(string backend)
    {
        var plugin = await SeedAsync(backend);
        var store = TestBackends.Get<IRowStore>(backend);
        var next = (await store.SearchAsync(plugin, new RowSearchRequest("items", Limit: 2), CancellationToken.None)).Next!;
        var forged = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"t":"items","s":["id:asc"],"v":["1; DROP TABLE items"]}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var cursor in new[] { "not base64!", next[..^3], forged, "e30" })
            await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "after", () =>
                store.SearchAsync(plugin, new RowSearchRequest("items", Limit: 2, After: cursor), CancellationToken.None));
        // A cursor of one sort order is refused for another.
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, "after", () =>
            store.SearchAsync(plugin, new RowSearchRequest("items", Sort: Json("""{"field":"qty"}"""), After: next), CancellationToken.None));
        Assert.HasCount(25, (await store.SearchAsync(plugin, new RowSearchRequest("items"), CancellationToken.None)).Rows);
    }
}
