using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlStatsTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Stats_count_runs_errors_and_rows_per_fingerprint(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        for (var id = 1; id <= 5; id++)
            await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"SELECT name FROM items WHERE id <= :id","params":{"id":{{id}} } }""");
        await SqlTestSchema.FailAsync(backend, plugin, """{"query":"SELECT name FROM items WHERE id = 'x' + no_such_column"}""");

        var stats = SqlTestSchema.Runner(backend).Stats(plugin);
        var select = stats.Queries.Single(q => q.Fingerprint == "select name from items where id <= :id");
        Assert.AreEqual(5L, select.Count);
        Assert.AreEqual(0L, select.Errors);
        Assert.AreEqual(1L + 2 + 3 + 3 + 3, select.RowsReturned);
        Assert.IsLessThanOrEqualTo(select.P95Ms, select.P50Ms);
        Assert.IsLessThanOrEqualTo(select.P99Ms, select.P95Ms);
        Assert.IsLessThanOrEqualTo(select.MaxMs, select.P99Ms);
        var failed = stats.Queries.Single(q => q.Fingerprint == "select name from items where id = ? + no_such_column");
        Assert.AreEqual(1L, failed.Errors);
        Assert.IsEmpty(SqlTestSchema.Runner(backend).Stats(TestPlugins.New()).Queries);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Slow_queries_are_logged_by_fingerprint_without_values(string backend)
    {
        var logs = new CapturingLoggerProvider();
        await using var services = SqlTestServices.Build(backend, o => o.SlowQueryMs = 0, logs);
        var plugin = TestPlugins.New();
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"SELECT :v AS v, 'literal-{{secret}}' AS w","params":{"v":"{{secret}}"} }""", services);
        var line = logs.Lines.Single(l => l.Contains("Slow SQL", StringComparison.Ordinal));
        StringAssert.Contains(line, "select :v as v, ? as w");
        StringAssert.Contains(line, plugin.Value);
        Assert.DoesNotContain(secret, string.Join("\n", logs.Lines));
    }

    [TestMethod]
    public async Task Fingerprints_past_the_per_plugin_bound_share_one_bucket()
    {
        await using var services = SqlTestServices.Build(Backend.Sqlite, o => o.MaxFingerprintsPerPlugin = 2);
        var plugin = TestPlugins.New();
        foreach (var column in new[] { "a", "b", "c", "d" })
            await SqlTestSchema.RunAsync(Backend.Sqlite, plugin, $$"""{"query":"SELECT 1 AS {{column}}"}""", services);
        var stats = SqlTestSchema.Runner(Backend.Sqlite, services).Stats(plugin);
        Assert.HasCount(3, stats.Queries);
        Assert.AreEqual(2L, stats.Queries.Single(q => q.Fingerprint == "(other)").Count);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_host_full_of_fingerprints_drops_the_statistics_of_the_plugin_idle_longest(string backend)
    {
        // The total bound (5) is what keeps plugins' statistics from growing with the number of plugins.
        await using var services = SqlTestServices.Build(backend, o => (o.MaxFingerprintsPerPlugin, o.MaxFingerprints) = (2, 5));
        var profiler = services.GetRequiredService<Storage.Sql.Internal.SqlProfiler>();
        var (idle, busy, hostile) = (TestPlugins.New(), TestPlugins.New(), TestPlugins.New());
        async Task RunAsync(PluginId plugin, params string[] columns)
        {
            foreach (var column in columns)
                await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"SELECT 1 AS {{column}}"}""", services);
        }
        IReadOnlyList<string> Kept(PluginId plugin) => SqlTestSchema.Runner(backend, services).Stats(plugin).Queries.Select(q => q.Fingerprint).Order().ToList();

        await RunAsync(idle, "a");
        await RunAsync(busy, "a", "b");
        await RunAsync(hostile, "a", "b", "c", "d", "e"); // a, b and (other): the sixth fingerprint on the host
        Assert.IsEmpty(Kept(idle), "the plugin idle longest made room");
        CollectionAssert.AreEqual(new[] { "(other)", "select ? as a", "select ? as b" }, Kept(hostile).ToArray());
        Assert.HasCount(2, Kept(busy));
        Assert.AreEqual(5, profiler.Count);

        // The hostile plugin's statistics are not safe either once another plugin is the more recent one.
        await RunAsync(busy, "c");
        Assert.IsEmpty(Kept(hostile));
        Assert.HasCount(3, Kept(busy));
        Assert.AreEqual(3, profiler.Count);
    }
}
