using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Core.Providers;
using Storage.Rows;
using Storage.Rows.Internal;
using Storage.Tests.Infrastructure;
using Storage.Tests.Rows;

namespace Storage.Tests.Limits;

/// <summary>
/// Per-plugin caches keep a bounded number of plugins (and catalog columns), whatever the number of
/// plugins ever seen or the size of one plugin's schema; what they drop is read again when needed.
/// </summary>
[TestClass]
public sealed class PluginCacheBoundTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task Past_its_capacity_the_cache_drops_the_oldest_results_and_runs_them_again_when_asked()
    {
        var runs = new Dictionary<int, int>();
        var dropped = new List<int>();
        var once = new AsyncOnce<int, string>(capacity: 3, dropped: (key, _) => dropped.Add(key));
        Task<string> Create(int key)
        {
            runs[key] = runs.GetValueOrDefault(key) + 1;
            return Task.FromResult($"v{key}");
        }
        for (var key = 1; key <= 5; key++)
            Assert.AreEqual($"v{key}", await once.GetAsync(key, Create, None));
        Assert.AreEqual(3, once.Count);
        CollectionAssert.AreEqual(new[] { 1, 2 }, dropped);

        await once.GetAsync(5, Create, None);
        Assert.AreEqual(1, runs[5], "a kept result is not run again");
        await once.GetAsync(1, Create, None);
        Assert.AreEqual(2, runs[1], "a dropped one is");
        Assert.AreEqual(3, once.Count);
    }

    [TestMethod]
    public async Task A_result_heavier_than_the_whole_bound_is_returned_but_neither_kept_nor_pushing_others_out()
    {
        var runs = 0;
        var once = new AsyncOnce<string, int>(capacity: 100, weigh: w => w, maxWeight: 10);
        await once.GetAsync("small", _ => Task.FromResult(4), None);
        await once.GetAsync("medium", _ => Task.FromResult(5), None);
        for (var i = 0; i < 2; i++)
            Assert.AreEqual(11, await once.GetAsync("huge", _ => { runs++; return Task.FromResult(11); }, None));
        Assert.AreEqual(2, runs);
        Assert.AreEqual(2, once.Count);

        await once.GetAsync("more", _ => Task.FromResult(3), None); // 4 + 5 + 3 > 10: the oldest goes
        Assert.AreEqual(2, once.Count);
        var rerun = false;
        await once.GetAsync("small", _ => { rerun = true; return Task.FromResult(4); }, None);
        Assert.IsTrue(rerun);
    }

    [TestMethod]
    public async Task A_result_forgotten_while_it_ran_reaches_its_callers_but_is_not_kept()
    {
        var once = new AsyncOnce<string, int>();
        var release = new TaskCompletionSource<int>();
        var waiting = once.GetAsync("k", _ => release.Task, None);
        once.Forget("k");
        release.SetResult(7);
        Assert.AreEqual(7, await waiting);
        Assert.AreEqual(0, once.Count);
        Assert.AreEqual(8, await once.GetAsync("k", _ => Task.FromResult(8), None));
    }

    [TestMethod]
    public async Task A_failed_run_is_not_kept_and_the_next_caller_tries_again()
    {
        var once = new AsyncOnce<string, int>(capacity: 2);
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => once.GetAsync("k", _ => throw new InvalidOperationException("boom"), None));
        Assert.AreEqual(0, once.Count);
        Assert.AreEqual(1, await once.GetAsync("k", _ => Task.FromResult(1), None));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_with_a_schema_larger_than_the_catalog_bound_still_works_without_pushing_out_other_catalogs(string backend)
    {
        await using var provider = TestBackends.BuildWithRows(backend, o => o.MaxCachedColumns = 100);
        var rows = provider.GetRequiredService<IRowStore>();
        var catalog = provider.GetRequiredService<RowCatalog>();
        var (small, hostile) = (TestPlugins.New(), TestPlugins.New());
        await RowTestSchema.RunAsync(provider, small, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
        await RowTestSchema.RunAsync(provider, hostile,
            $"CREATE TABLE wide (id INTEGER PRIMARY KEY, {string.Join(", ", Enumerable.Range(1, 120).Select(i => $"c{i} TEXT"))})");
        await rows.InsertAsync(small, new RowInsertRequest("items", RowTestSchema.Json("""{"id":1,"name":"a"}""")), None);
        Assert.AreEqual(1, catalog.CachedPlugins);

        for (var id = 1; id <= 3; id++)
            await rows.InsertAsync(hostile, new RowInsertRequest("wide", RowTestSchema.Json($$"""{"id":{{id}},"c120":"x"}""")), None);
        Assert.AreEqual(3, (await rows.SearchAsync(hostile, new RowSearchRequest("wide"), None)).Rows.Count);
        Assert.AreEqual(1, catalog.CachedPlugins, "the 122-column catalog is read for each request and never kept");
        Assert.AreEqual("a", (await rows.SelectAsync(small, new RowSelectRequest("items", RowTestSchema.Json("1")), None)).Row!["name"]!.GetValue<string>());
    }
}
