using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Migrations;
using Storage.Migrations.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Migrations.MigrationTestData;

namespace Storage.Tests.Migrations;

[TestClass]
public sealed class MigrationConcurrencyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Concurrent_applies_from_two_instances_apply_each_migration_once(string backend)
    {
        var observer = new RecordingObserver();
        await using var second = Instance(backend, observer);
        var plugin = TestPlugins.New();
        var migrators = new[] { TestBackends.Get<IMigrator>(backend), second.GetRequiredService<IMigrator>() };

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => migrators[i % 2].ApplyAsync(plugin, Apply(Tables(5)), None)));

        Assert.AreEqual(5, results.Sum(r => r.Applied.Count));
        Assert.IsTrue(results.All(r => r.Current == "005"));
        Assert.HasCount(5, (await migrators[1].StatusAsync(plugin, None)).Applied);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_holding_its_migration_lock_does_not_block_another_plugin(string backend)
    {
        var database = TestBackends.Get<IPluginDatabase>(backend);
        var busy = TestPlugins.New();
        await using var held = backend == Backend.Postgres
            ? (MigrationSession)await PostgresMigrationSession.OpenAsync(database, TestBackends.Get(backend).GetRequiredService<PostgresMigrationSetup>(), busy, 30, None)
            : await SqliteMigrationSession.OpenAsync(database, busy, 30, None);

        var other = await TestBackends.Get<IMigrator>(backend).ApplyAsync(TestPlugins.New(), Apply(Tables(1)), None)
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.AreEqual("001", other.Current);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Observers_hear_about_applies_and_rollbacks_but_not_dry_runs(string backend)
    {
        var observer = new RecordingObserver();
        await using var services = Instance(backend, observer);
        var migrator = services.GetRequiredService<IMigrator>();
        var plugin = TestPlugins.New();

        await migrator.ApplyAsync(plugin, Apply(Tables(2), dryRun: true), None);
        Assert.IsEmpty(observer.Changes);
        await migrator.ApplyAsync(plugin, Apply(Tables(2)), None);
        await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);

        CollectionAssert.AreEqual(new[] { plugin, plugin }, observer.Changes.ToArray());
    }

    private static ServiceProvider Instance(string backend, IPluginSchemaObserver observer)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(observer);
        services.AddPluginStorage(options => TestBackends.Configure(backend, options)).AddMigrations();
        return services.BuildServiceProvider();
    }

    private sealed class RecordingObserver : IPluginSchemaObserver
    {
        public ConcurrentQueue<PluginId> Changes { get; } = new();

        public void SchemaChanged(PluginId plugin) => Changes.Enqueue(plugin);
    }
}
