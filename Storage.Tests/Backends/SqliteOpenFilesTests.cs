using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Kv;
using Storage.Kv.Internal;
using Storage.Migrations;
using Storage.Rows;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// The LRU of open SQLite plugin databases at its limit: the handles this process holds on plugin
/// files (counted from /proc/self/fd) stay within MaxOpenPlugins x (2 x MaxConnectionsPerPlugin + 1),
/// and a plugin closed and reopened has all its data and behaviour.
/// </summary>
[TestClass]
public sealed class SqliteOpenFilesTests
{
    private const int MaxOpen = 8;
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task Fifty_plugins_doing_everything_stay_within_the_bound_and_keep_their_data_after_reopening()
    {
        var directory = Directory.CreateTempSubdirectory("storage-lru-").FullName;
        await using var services = Build(directory);
        var plugins = Enumerable.Range(0, 50).Select(_ => TestPlugins.New("lru")).ToList();
        var bound = MaxOpen * OpenFilesLimit.FdsPerPlugin(new StorageOptions().Sqlite.MaxConnectionsPerPlugin);
        var peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, OpenHandles(directory));
                await Task.Yield();
            }
        });

        var revisions = new Dictionary<PluginId, long>();
        await Parallel.ForEachAsync(plugins, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (plugin, _) =>
        {
            var revision = await UseEverythingAsync(services, plugin);
            lock (revisions)
                revisions[plugin] = revision;
        });
        // Second round: every plugin was closed in between (50 plugins, 8 slots), so this reopens them.
        await Parallel.ForEachAsync(plugins, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (plugin, _) =>
            await AssertIntactAsync(services, plugin, revisions[plugin]));
        await stop.CancelAsync();
        await sampler;

        var files = ((SqliteDatabase)services.GetRequiredService<IPluginDatabase>()).Files;
        Assert.IsLessThanOrEqualTo(MaxOpen, files.Count);
        Assert.IsGreaterThan(0, peak, "the sampler saw the plugin files open");
        Assert.IsLessThanOrEqualTo(bound, peak, $"at most {bound} handles on plugin files; saw {peak}");
        Assert.IsLessThanOrEqualTo(bound, OpenHandles(directory));
    }

    [TestMethod]
    public async Task An_idle_plugin_closes_after_the_idle_lifetime_and_reopens_with_its_data()
    {
        var directory = Directory.CreateTempSubdirectory("storage-idle-").FullName;
        var clock = new ManualClock();
        await using var services = Build(directory, clock);
        var store = services.GetRequiredService<IKvStore>();
        var plugin = TestPlugins.New("idle");
        var first = await store.SetAsync(plugin, new KvSetRequest("k", Json("1"), Ttl: 3600), None);
        var files = ((SqliteDatabase)services.GetRequiredService<IPluginDatabase>()).Files;
        Assert.AreEqual(1, files.Count);
        Assert.IsGreaterThan(0, OpenHandles(directory));

        clock.Advance(TimeSpan.FromSeconds(new StorageOptions().Sqlite.IdleCloseSeconds + 1));
        files.CloseIdle();

        Assert.AreEqual(0, files.Count);
        Assert.AreEqual(0, OpenHandles(directory), "no handle is left on the plugin's file, -wal or -shm");
        Assert.AreEqual(1, (await store.GetAsync(plugin, new KvGetRequest("k"), None)).Value!.Value.GetInt32());
        Assert.AreEqual(first.Revision + 1, (await store.SetAsync(plugin, new KvSetRequest("k", Json("2")), None)).Revision);
    }

    [TestMethod]
    public async Task A_sweep_visits_every_file_and_keeps_open_only_the_plugins_that_were_open()
    {
        var directory = Directory.CreateTempSubdirectory("storage-visit-").FullName;
        var clock = new ManualClock();
        await using var services = Build(directory, clock);
        var store = services.GetRequiredService<IKvStore>();
        var plugins = Enumerable.Range(0, 30).Select(_ => TestPlugins.New("visit")).ToList();
        foreach (var plugin in plugins)
            await store.SetAsync(plugin, new KvSetRequest("short", Json("1"), Ttl: 1), None);
        var files = ((SqliteDatabase)services.GetRequiredService<IPluginDatabase>()).Files;
        clock.Advance(TimeSpan.FromSeconds(new StorageOptions().Sqlite.IdleCloseSeconds + 1));
        files.CloseIdle();
        await store.GetAsync(plugins[0], new KvGetRequest("short"), None);
        Assert.AreEqual(1, files.Count);

        await services.GetRequiredService<KvSweeper>().SweepAllAsync(None);

        Assert.AreEqual(1, files.Count, "only the plugin open before the sweep is still open");
        foreach (var plugin in plugins)
            Assert.IsFalse((await store.GetAsync(plugin, new KvGetRequest("short"), None)).Exists);
        await using var connection = await services.GetRequiredService<IPluginDatabase>().OpenServiceAsync(plugins[^1], None);
        await using var count = connection.CreateCommand($"SELECT count(*) FROM {ServiceTables.Kv}");
        Assert.AreEqual(0L, await count.ExecuteScalarAsync(), "the sweep deleted the expired row");
    }

    [TestMethod]
    public async Task A_plugin_file_that_cannot_be_opened_is_unavailable_for_that_request_only()
    {
        var directory = Directory.CreateTempSubdirectory("storage-cantopen-").FullName;
        await using var services = Build(directory);
        var (broken, healthy) = (TestPlugins.New("broken"), TestPlugins.New("healthy"));
        // A directory where the file should be: SQLite cannot open it (CANTOPEN), as under EMFILE.
        Directory.CreateDirectory(Path.Combine(directory, broken.Value + ".db"));
        var store = services.GetRequiredService<IKvStore>();

        var error = await Assert.ThrowsExactlyAsync<StorageException>(() => store.SetAsync(broken, new KvSetRequest("k", Json("1")), None));
        var read = await Assert.ThrowsExactlyAsync<StorageException>(() => services.GetRequiredService<IRowStore>().SelectAsync(broken, new RowSelectRequest("t", Json("1")), None));

        Assert.AreEqual(StorageErrorCode.Unavailable, error.Code);
        Assert.Contains($"plugin '{broken}' cannot be opened", error.Message);
        Assert.Contains("open-files limit", error.Message);
        Assert.AreEqual(StorageErrorCode.Unavailable, read.Code);
        Assert.AreEqual(1, (await store.SetAsync(healthy, new KvSetRequest("k", Json("1")), None)).Revision);
    }

    private static async Task<long> UseEverythingAsync(IServiceProvider services, PluginId plugin)
    {
        var migrated = await services.GetRequiredService<IMigrator>().ApplyAsync(plugin, new MigrationApplyRequest(
            [new Migration("001", MigrationSql.Both("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))]), None);
        Assert.AreEqual("001", migrated.Current);
        await services.GetRequiredService<IRowStore>().InsertAsync(plugin, new RowInsertRequest("notes", Json("""{"id":1,"body":"hello"}""")), None);
        var sql = await services.GetRequiredService<ISqlRunner>().QueryAsync(plugin, new SqlQueryRequest("SELECT count(*) AS n FROM notes"), None);
        Assert.AreEqual(1, sql.RowCount);
        var store = services.GetRequiredService<IKvStore>();
        await store.SetAsync(plugin, new KvSetRequest("ttl", Json("\"kept\""), Ttl: 3600), None);
        await store.IncrAsync(plugin, new KvIncrRequest("n"), None);
        return (await store.SetAsync(plugin, new KvSetRequest("v", Json($"\"{plugin}\"")), None)).Revision;
    }

    private static async Task AssertIntactAsync(IServiceProvider services, PluginId plugin, long revision)
    {
        var store = services.GetRequiredService<IKvStore>();
        var value = await store.GetAsync(plugin, new KvGetRequest("v"), None);
        Assert.AreEqual(plugin.Value, value.Value!.Value.GetString());
        Assert.IsNotNull((await store.GetAsync(plugin, new KvGetRequest("ttl"), None)).ExpiresAt, "the TTL survived");
        Assert.AreEqual(2, (await store.IncrAsync(plugin, new KvIncrRequest("n"), None)).Value);
        Assert.AreEqual(revision + 2, (await store.SetAsync(plugin, new KvSetRequest("v", Json("1")), None)).Revision, "revisions continue");
        var row = await services.GetRequiredService<IRowStore>().SelectAsync(plugin, new RowSelectRequest("notes", Json("1")), None);
        Assert.AreEqual("hello", row.Row!["body"]!.GetValue<string>());
        var status = await services.GetRequiredService<IMigrator>().StatusAsync(plugin, None);
        Assert.AreEqual("001", status.Current);
    }

    private static ServiceProvider Build(string directory, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (clock is not null)
            services.AddSingleton(clock);
        services.AddPluginStorage(options =>
        {
            TestBackends.Configure(Backend.Sqlite, options);
            options.Sqlite.Directory = directory;
            options.Sqlite.MaxOpenPlugins = MaxOpen;
        }).AddKv().AddRows().AddMigrations().AddSql();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    /// <summary>Handles this process holds on files in <paramref name="directory"/> (databases, -wal, -shm).</summary>
    internal static int OpenHandles(string directory)
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith(directory + "/", StringComparison.Ordinal) == true)
                    count++;
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }
        return count;
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
