using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Sql;
using Storage.Tests.Infrastructure;
using Storage.Tests.Security;

namespace Storage.Tests.Backends;

/// <summary>
/// The listener that keeps a host's caches coherent with other hosts, against hostile plugins and
/// lost connections. Each test has a database of its own, so no other test's host is listening there.
/// </summary>
[TestClass]
public sealed class PostgresChangeListenerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task Notifications_a_plugin_sends_drop_no_other_plugins_cache_and_its_sessions_cannot_pose_as_a_host()
    {
        var connectionString = await NewDatabaseAsync();
        var recorder = new Recorder();
        await using var host = Build(connectionString, recorder);
        var listener = host.GetRequiredService<PostgresChangeListener>();
        await listener.StartAsync(None);
        var (evil, victim) = (TestPlugins.New("evil"), TestPlugins.New("victim"));

        // A migration may run any SQL as the plugin's role, NOTIFY on the service's channel included.
        await host.GetRequiredService<IMigrator>().ApplyAsync(evil, new MigrationApplyRequest([new Migration("001", MigrationSql.Both($"""
            CREATE TABLE t (id integer PRIMARY KEY);
            NOTIFY {PostgresChangeSql.Channel}, '{victim}';
            DO $$ BEGIN FOR i IN 1..2000 LOOP PERFORM pg_notify('{PostgresChangeSql.Channel}', '{victim} ' || i); END LOOP; END $$;
            """))]), None);
        var counter = await CounterAsync(connectionString);
        await WaitForAsync(() => listener.Seen == counter, "the listener to apply the migration's change");
        CollectionAssert.Contains(recorder.Schema.ToList(), evil, "the real change (the migration) is applied");
        CollectionAssert.DoesNotContain(recorder.Schema.ToList(), victim, "a notification names nothing the listener trusts");
        Assert.IsEmpty(recorder.Purged, "nothing was purged");

        // A session of the plugin's role naming itself like a listener is not counted as a host that is behind.
        await using var posing = await AsPluginAsync(connectionString, evil);
        await PluginSpy.ScalarAsync(posing, $"SET application_name = '{PostgresChangeSql.ListenerName} 0'");
        var postgres = (PostgresDatabase)host.GetRequiredService<IPluginDatabase>();
        Assert.AreEqual(0L, await postgres.PeersBehindAsync(listener.ProcessId, None));
    }

    [TestMethod]
    public async Task A_change_made_while_the_listener_was_disconnected_is_applied_when_it_reconnects()
    {
        var connectionString = await NewDatabaseAsync();
        var recorder = new Recorder();
        await using var host = Build(connectionString, recorder);
        var listener = host.GetRequiredService<PostgresChangeListener>();
        await listener.StartAsync(None);
        var (gone, untouched) = (TestPlugins.New("gone"), TestPlugins.New("kept"));
        var before = listener.ProcessId;

        // The listening session ends (and has ended: the timeout waits for it) before the purge is
        // recorded and notified, so only the catch-up after reconnecting can learn of it.
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            await using var transaction = await admin.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 10000), _storage.plugin_changed(@p, true)", admin, transaction);
            command.Parameters.AddWithValue("pid", before);
            command.Parameters.AddWithValue("p", gone.Value);
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        await WaitForAsync(() => recorder.Purged.Contains(gone), "the reconnected listener to catch up on the purge");
        Assert.AreNotEqual(before, listener.ProcessId, "a new listening session");
        CollectionAssert.Contains(recorder.Schema.ToList(), gone);
        CollectionAssert.DoesNotContain(recorder.Purged.ToList(), untouched);
        Assert.AreEqual(await CounterAsync(connectionString), listener.Seen);
    }

    [TestMethod]
    public async Task A_host_that_never_confirms_delays_a_migration_only_up_to_CacheSyncWaitMs_and_is_logged()
    {
        var connectionString = await NewDatabaseAsync();
        var logs = new CapturedLogs();
        await using var host = Build(connectionString, new Recorder(), logs, cacheSyncWaitMs: 1500);
        await host.GetRequiredService<PostgresChangeListener>().StartAsync(None);

        // A session of the service's account that claims to be a listener at epoch 0 and never moves on: a stuck host.
        await using var stuck = new NpgsqlConnection(connectionString);
        await stuck.OpenAsync();
        await PluginSpy.ScalarAsync(stuck, $"SET application_name = '{PostgresChangeSql.ListenerName} 0'");

        var plugin = TestPlugins.New("slowpeer");
        var reply = await host.GetRequiredService<IMigrator>().ApplyAsync(plugin, new MigrationApplyRequest([
            new Migration("001", MigrationSql.Both("CREATE TABLE t (id integer PRIMARY KEY)"))]), None);
        CollectionAssert.AreEqual(new[] { "001" }, reply.Applied.ToArray(), "the migration is applied and answered");
        var warning = logs.Lines.Single(l => l.Category.EndsWith(nameof(PostgresChangeListener), StringComparison.Ordinal) && l.Level == LogLevel.Warning);
        StringAssert.Contains(warning.Message, "Storage:Postgres:CacheSyncWaitMs (1500 ms): 1 host(s) still behind");
    }

    [TestMethod]
    public async Task Checking_for_hosts_behind_needs_no_connection_of_the_budget_and_concurrent_checks_share_one()
    {
        var connectionString = await NewDatabaseAsync();
        await using var host = Build(connectionString, new Recorder(), budget: 3);
        var listener = host.GetRequiredService<PostgresChangeListener>();
        await listener.StartAsync(None);
        var postgres = (PostgresDatabase)host.GetRequiredService<IPluginDatabase>();
        var plugin = TestPlugins.New("busy");

        // Every connection of the budget is in use, as when many plugins migrate at once: the checks
        // that each migration makes afterwards must not queue behind them.
        var held = new List<PluginConnection>();
        for (var i = 0; i < 3; i++)
            held.Add(await postgres.OpenServiceAsync(plugin, None));
        var checks = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => postgres.PeersBehindAsync(listener.ProcessId, None)));
        CollectionAssert.AreEqual(Enumerable.Repeat(0L, 64).ToArray(), checks);
        Assert.AreEqual(3, postgres.Budget.InUse, "the budget lent nothing for the checks");
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            // At most one: it closes after 5 s idle, which a loaded machine may reach before this query.
            var sessions = (long)(await PluginSpy.ScalarAsync(admin, $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{PostgresChangeSql.PeerCheckName}' AND datname = current_database()"))!;
            Assert.IsLessThanOrEqualTo(1L, sessions, "one connection served every check");
        }
        foreach (var connection in held)
            await connection.DisposeAsync();
    }

    [TestMethod]
    public async Task A_plugin_stalling_its_migrations_commit_does_not_hold_up_other_plugins_changes()
    {
        var connectionString = await NewDatabaseAsync();
        await using var host = Build(connectionString, new Recorder());
        await host.GetRequiredService<PostgresChangeListener>().StartAsync(None);
        var migrator = host.GetRequiredService<IMigrator>();
        var (evil, good) = (TestPlugins.New("stall"), TestPlugins.New("good"));

        // A deferred constraint trigger runs at commit, as the plugin; this one waits for a lock the test holds.
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await PluginSpy.ScalarAsync(holder, "SELECT pg_advisory_lock(4242)");
        var stalled = migrator.ApplyAsync(evil, new MigrationApplyRequest([new Migration("001", MigrationSql.Both("""
            CREATE TABLE t (id integer PRIMARY KEY);
            CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM pg_advisory_lock(4242); RETURN NULL; END $f$;
            CREATE CONSTRAINT TRIGGER stall AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stall();
            INSERT INTO t VALUES (1);
            """))]), None);
        await WaitForAsync(() => WaitingForAdvisoryLock(connectionString), "the plugin's trigger to wait at its commit");

        // Recording a change takes the counter row that every change shares: the stalled plugin must not hold it.
        var other = migrator.ApplyAsync(good, new MigrationApplyRequest([new Migration("001", MigrationSql.Both("CREATE TABLE t (id integer PRIMARY KEY)"))]), None);
        await other.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.IsFalse(stalled.IsCompleted, "the other plugin's migration went ahead while this one was stalled");
        await PluginSpy.ScalarAsync(holder, "SELECT pg_advisory_unlock(4242)");
        CollectionAssert.AreEqual(new[] { "001" }, (await stalled.WaitAsync(TimeSpan.FromSeconds(60))).Applied.ToArray());
    }

    private static bool WaitingForAdvisoryLock(string connectionString)
    {
        using var admin = new NpgsqlConnection(connectionString);
        admin.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", admin);
        return (long)command.ExecuteScalar()! > 0;
    }

    private static ServiceProvider Build(string connectionString, Recorder recorder, CapturedLogs? logs = null, int cacheSyncWaitMs = 2000, int budget = 20)
    {
        var services = new ServiceCollection();
        services.AddLogging(builder => { if (logs is not null) builder.AddProvider(logs); });
        services.AddPluginStorage(options =>
        {
            TestBackends.Configure(Backend.Postgres, options);
            options.Postgres.ConnectionString = connectionString;
            options.Postgres.CacheSyncWaitMs = cacheSyncWaitMs;
            options.Postgres.MaxConnections = budget;
            options.Postgres.ServiceConnections = Math.Min(options.Postgres.ServiceConnections, budget - 2);
            options.Postgres.MaxConnectionsPerPlugin = Math.Min(options.Postgres.MaxConnectionsPerPlugin, budget - options.Postgres.ServiceConnections);
        }).AddKv().AddRows().AddMigrations().AddSql();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginSchemaObserver>(recorder));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginLifecycleObserver>(recorder));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static async Task<string> NewDatabaseAsync()
    {
        var database = "coh_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = await PluginSpy.AdminAsync())
            await PluginSpy.ScalarAsync(admin, $"CREATE DATABASE {database}");
        return new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres.AdminConnectionString(database)) { Pooling = false }.ConnectionString;
    }

    private static async Task<long> CounterAsync(string connectionString)
    {
        await using var admin = new NpgsqlConnection(connectionString);
        await admin.OpenAsync();
        return (long)(await PluginSpy.ScalarAsync(admin, "SELECT epoch FROM _storage.plugin_changes WHERE plugin = ''"))!;
    }

    private static async Task<NpgsqlConnection> AsPluginAsync(string connectionString, PluginId plugin)
    {
        string password;
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            await using var find = new NpgsqlCommand("SELECT password FROM _storage.plugins WHERE plugin = @p", admin);
            find.Parameters.AddWithValue("p", plugin.Value);
            password = (string)(await find.ExecuteScalarAsync())!;
        }
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Username = PostgresNames.Role(plugin), Password = password }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}.");
            await Task.Delay(20);
        }
    }

    private sealed class Recorder : IPluginSchemaObserver, IPluginLifecycleObserver
    {
        public ConcurrentQueue<PluginId> Schema { get; } = new();

        public ConcurrentQueue<PluginId> Purged { get; } = new();

        public void SchemaChanged(PluginId plugin) => Schema.Enqueue(plugin);

        public ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken)
        {
            Purged.Enqueue(plugin);
            return ValueTask.CompletedTask;
        }
    }
}
