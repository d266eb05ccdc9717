using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// Many plugins at once on a PostgreSQL server with few connections: every request succeeds (it
/// waits for a connection instead of failing) and the server never sees more sessions than the budget.
/// </summary>
[TestClass]
public sealed class PostgresConnectionScaleTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const int ExitLag = 6;
    private static PostgresBudgetCluster? _cluster;

    private static PostgresBudgetCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster did not start.");

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _cluster = await PostgresBudgetCluster.StartAsync(maxConnections: 30);
    }

    [ClassCleanup]
    public static void Stop() => _cluster?.Dispose();

    [TestMethod]
    public async Task Plugins_far_beyond_the_server_limit_all_succeed_within_the_budget()
    {
        const int budget = 12;
        await using var provider = Build(o => { o.MaxConnections = budget; o.ServiceConnections = 3; o.MaxConnectionsPerPlugin = 3; });
        using var stop = new CancellationTokenSource();
        var peak = Cluster.PeakSessionsAsync(stop.Token);
        var budgetPeak = PeakOpenAsync(((Storage.Core.Internal.PostgresDatabase)provider.GetRequiredService<IPluginDatabase>()).Budget, stop.Token);

        var plugins = Enumerable.Range(0, 150).Select(_ => TestPlugins.New("scale")).ToList();
        var errors = await RunAsync(plugins.Select(p => UsePluginAsync(provider, p)));

        await stop.CancelAsync();
        var seen = await peak;
        var held = await budgetPeak;
        Assert.AreEqual(0, errors.Count, string.Join("\n", errors.Take(5)));
        Assert.IsTrue(held is > 0 and <= budget, $"the process held {held} connections; the budget is {budget}");
        // The server lists a backend until its process has exited, a moment after the client closed it;
        // under heavy LRU churn on this loaded machine a few such exiting backends can be caught (5 seen
        // once in 2026-11; a leak would show as far more, up to one per plugin).
        Assert.IsTrue(seen is > 0 and <= budget + ExitLag, $"the server saw {seen} sessions (the process held at most {held}); the budget is {budget}");
    }

    [TestMethod]
    public async Task Concurrent_migrations_and_kv_writes_on_a_tiny_budget_do_not_deadlock()
    {
        // Each migration needs a service and a plugin connection at once; with four connections, opening
        // them one after the other would let four migrations each hold one and wait for ever.
        await using var provider = Build(o => { o.MaxConnections = 4; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 2; });
        var plugins = Enumerable.Range(0, 20).Select(_ => TestPlugins.New("dl")).ToList();
        var migrator = provider.GetRequiredService<IMigrator>();
        var kv = provider.GetRequiredService<IKvStore>();
        var work = plugins.SelectMany(p => new[]
        {
            (Func<Task>)(() => migrator.ApplyAsync(p, Migrations(), None)),
            () => migrator.ApplyAsync(p, Migrations(), None),
            () => kv.SetAsync(p, new KvSetRequest("k", JsonSerializer.SerializeToElement(1)), None),
        });
        var errors = await RunAsync(work.Select(w => w()));
        Assert.AreEqual(0, errors.Count, string.Join("\n", errors.Take(5)));
    }

    private static async Task<int> PeakOpenAsync(Storage.Core.Internal.ConnectionBudget budget, CancellationToken stop)
    {
        var peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, budget.Open);
            await Task.Delay(1, CancellationToken.None);
        }
        return peak;
    }

    private static ServiceProvider Build(Action<PostgresOptions> configure) =>
        TestBackends.Build(Backend.Postgres, o =>
        {
            o.Postgres.ConnectionString = Cluster.Server.AdminConnectionString();
            o.Postgres.ConnectionWaitMs = 300_000; // the machine is shared and slow; the test is about never failing
            configure(o.Postgres);
        });

    private static MigrationApplyRequest Migrations() =>
        new([new Migration("001", MigrationSql.Both("CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL)"))]);

    private static async Task UsePluginAsync(IServiceProvider provider, PluginId plugin)
    {
        await provider.GetRequiredService<IMigrator>().ApplyAsync(plugin, Migrations(), None);
        await provider.GetRequiredService<IRowStore>().InsertAsync(plugin, new RowInsertRequest("items", JsonSerializer.SerializeToElement(new { name = "a" })), None);
        var query = await provider.GetRequiredService<ISqlRunner>().QueryAsync(plugin, new SqlQueryRequest("SELECT count(*) AS n FROM items"), None);
        Assert.AreEqual(1, query.RowCount);
        await provider.GetRequiredService<IKvStore>().SetAsync(plugin, new KvSetRequest("k", JsonSerializer.SerializeToElement("v")), None);
    }

    private static async Task<List<string>> RunAsync(IEnumerable<Task> tasks)
    {
        var errors = new List<string>();
        foreach (var task in tasks.ToList())
        {
            try
            {
                await task;
            }
            catch (StorageException ex)
            {
                errors.Add($"{ex.Code}: {ex.Message}");
            }
        }
        return errors;
    }
}
