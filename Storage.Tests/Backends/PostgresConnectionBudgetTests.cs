using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>The PostgreSQL connection budget: waiting, caps, the service's reserve, LRU and idle closing, reset, role limit.</summary>
[TestClass]
public sealed class PostgresConnectionBudgetTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static PostgresBudgetCluster? _cluster;

    private static PostgresBudgetCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster did not start.");

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _cluster = await PostgresBudgetCluster.StartAsync(maxConnections: 60);
    }

    [ClassCleanup]
    public static void Stop() => _cluster?.Dispose();

    [TestMethod]
    public async Task Waiting_past_ConnectionWaitMs_is_unavailable_naming_the_setting_and_the_service_reserve_stays_free()
    {
        await using var db = Cluster.Database(o => { o.MaxConnections = 4; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 2; o.ConnectionWaitMs = 300; });
        var a = TestPlugins.New();
        var b = TestPlugins.New();
        await using var a1 = await db.OpenPluginAsync(a, PluginAccess.Write, None);
        await using var a2 = await db.OpenPluginAsync(a, PluginAccess.Read, None);

        var capped = await Assert.ThrowsExactlyAsync<StorageException>(() => db.OpenPluginAsync(a, PluginAccess.Write, None).AsTask());
        Assert.AreEqual(StorageErrorCode.Unavailable, capped.Code);
        StringAssert.Contains(capped.Message, "Storage:Postgres:ConnectionWaitMs (300 ms)");
        StringAssert.Contains(capped.Message, "Storage:Postgres:MaxConnectionsPerPlugin");

        // The plugins' share is 4 - 1 = 3: b gets one, then the share is full.
        await using var b1 = await db.OpenPluginAsync(b, PluginAccess.Read, None);
        var full = await Assert.ThrowsExactlyAsync<StorageException>(() => db.OpenPluginAsync(b, PluginAccess.Write, None).AsTask());
        Assert.AreEqual(StorageErrorCode.Unavailable, full.Code);
        StringAssert.Contains(full.Message, "Storage:Postgres:MaxConnections ");
        Assert.AreEqual("Storage:Postgres:ConnectionWaitMs", full.Details["setting"]);

        await using var service = await db.OpenServiceAsync(b, None);
        await using var command = service.CreateCommand("SELECT 1");
        Assert.AreEqual(1, await command.ExecuteScalarAsync());
        Assert.IsTrue(db.Budget.Open <= 4);
    }

    [TestMethod]
    public async Task A_cancelled_request_stops_waiting_with_its_own_cancellation()
    {
        await using var db = Cluster.Database(o => { o.MaxConnections = 3; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 600_000; });
        var a = TestPlugins.New();
        await using var held = await db.OpenPluginAsync(a, PluginAccess.Read, None);
        using var cancel = new CancellationTokenSource();
        var waiting = db.OpenPluginAsync(a, PluginAccess.Read, cancel.Token).AsTask();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == 1, "the request to queue");
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.AreEqual(0, db.Budget.Waiting);
    }

    [TestMethod]
    public async Task One_plugin_with_100_slow_queries_holds_at_most_its_cap_and_another_plugin_still_gets_through()
    {
        await using var db = Cluster.Database(o => { o.MaxConnections = 10; o.ServiceConnections = 2; o.MaxConnectionsPerPlugin = 3; o.ConnectionWaitMs = 300_000; });
        var hostile = TestPlugins.New();
        var other = TestPlugins.New();
        await (await db.OpenServiceAsync(other, None)).DisposeAsync();
        using var stop = new CancellationTokenSource();
        var peak = Cluster.PeakSessionsAsync(stop.Token, $"usename = '{PostgresNames.Role(hostile)}'");

        var slow = Enumerable.Range(0, 100).Select(async _ =>
        {
            await using var connection = await db.OpenPluginAsync(hostile, PluginAccess.Read, None);
            await using var command = connection.CreateCommand("SELECT pg_sleep(0.05)");
            await command.ExecuteNonQueryAsync();
        }).ToList();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.RoleConnections(hostile) == 3 && db.Budget.Waiting > 0, "the hostile plugin to reach its cap");

        await using (var connection = await db.OpenPluginAsync(other, PluginAccess.Read, None))
        {
            await using var command = connection.CreateCommand("SELECT 42");
            Assert.AreEqual(42, await command.ExecuteScalarAsync());
        }
        Assert.IsTrue(slow.Any(t => !t.IsCompleted), "the other plugin must have got through while the hostile one was still queued");

        await Task.WhenAll(slow);
        await stop.CancelAsync();
        var seen = await peak;
        Assert.IsTrue(seen is >= 1 and <= 3, $"the hostile role held {seen} sessions; its cap is 3");
    }

    [TestMethod]
    public async Task Idle_plugin_connections_are_closed_before_the_services_when_another_plugin_needs_room_and_all_after_the_idle_lifetime()
    {
        var clock = new ManualClock();
        await using var db = Cluster.Database(o => { o.MaxConnections = 3; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 2; o.ConnectionWaitMs = 60_000; o.ConnectionIdleSeconds = 60; }, clock);
        var a = TestPlugins.New();
        var b = TestPlugins.New();
        await (await db.OpenServiceAsync(b, None)).DisposeAsync(); // provisions b; the service connection is now the oldest idle one
        await using (await db.OpenPluginAsync(a, PluginAccess.Read, None))
        await using (await db.OpenPluginAsync(a, PluginAccess.Read, None))
        {
        }
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 3, "a's connections to be reset and idle");
        Assert.AreEqual(2, await Cluster.RoleSessionsAsync(a));
        clock.Advance(TimeSpan.FromSeconds(1)); // past the moment a's connections linger for a's next request

        await using (await db.OpenPluginAsync(b, PluginAccess.Read, None))
        await using (await db.OpenPluginAsync(b, PluginAccess.Read, None))
        {
            Assert.AreEqual(3, db.Budget.Open);
            Assert.AreEqual(0, db.Budget.RoleConnections(a), "a's idle connections made room, though the service's is older: it serves every plugin");
            Assert.AreEqual(2, db.Budget.RoleConnections(b));
        }
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 3, "b's connections to be reset and idle");

        clock.Advance(TimeSpan.FromSeconds(61));
        await db.Budget.PruneIdleAsync();
        Assert.AreEqual(0, db.Budget.Open);
        Assert.AreEqual(0, db.Budget.RoleConnections(a) + db.Budget.RoleConnections(b));
        await PostgresBudgetCluster.WaitForAsync(() => Cluster.RoleSessionsAsync(a).Result + Cluster.RoleSessionsAsync(b).Result == 0, "the server to see the sessions end");
    }

    [TestMethod]
    public async Task Past_MaxCachedPlugins_the_oldest_plugins_role_and_pools_are_dropped_and_its_idle_connections_closed()
    {
        await using var db = Cluster.Database(o => { o.MaxConnections = 8; o.ServiceConnections = 2; o.ConnectionIdleSeconds = 3600; }, maxCachedPlugins: 16);
        var first = TestPlugins.New();
        await using (await db.OpenPluginAsync(first, PluginAccess.Read, None))
        {
        }
        Assert.AreEqual(1, await Cluster.RoleSessionsAsync(first));
        foreach (var other in Enumerable.Range(0, 16).Select(_ => TestPlugins.New()))
            await (await db.OpenServiceAsync(other, None)).DisposeAsync();

        Assert.AreEqual((16, 0), db.CachedPlugins, "the first plugin's role and pools went, not the 16 newer roles");
        await PostgresBudgetCluster.WaitForAsync(() => Cluster.RoleSessionsAsync(first).Result == 0, "the dropped plugin's idle connection to close");

        // Dropped is only forgotten: its role is read again, and it works as before.
        await using (var again = await db.OpenPluginAsync(first, PluginAccess.Read, None))
        {
            await using var command = again.Connection.CreateCommand();
            command.CommandText = "SELECT current_user";
            Assert.AreEqual(PostgresNames.Role(first), await command.ExecuteScalarAsync());
        }
        Assert.AreEqual((16, 1), db.CachedPlugins);
    }

    [TestMethod]
    public async Task A_read_takes_the_plugins_idle_write_connection_into_read_only_mode_and_keeps_it_there_until_a_write_takes_it_back()
    {
        await using var db = Cluster.Database(o => { o.MaxConnections = 6; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 2; });
        var a = TestPlugins.New();
        object? pid;
        await using (var write = await db.OpenPluginAsync(a, PluginAccess.Write, None))
        {
            await using var create = write.CreateCommand("CREATE TABLE t (n int); SELECT pg_backend_pid()");
            pid = await create.ExecuteScalarAsync();
        }
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 0, "the write connection to be reset and idle");
        var switches = db.Budget.ModeSwitches;

        for (var i = 0; i < 3; i++)
        {
            await using (var read = await db.OpenPluginAsync(a, PluginAccess.Read, None))
            {
                // Plugin code may turn the session's default off; the reset must put the read mode back regardless.
                await using var check = read.CreateCommand(
                    "SELECT pg_backend_pid(), current_setting('default_transaction_read_only'), set_config('default_transaction_read_only', 'off', false)");
                await using (var reader = await check.ExecuteReaderAsync())
                {
                    Assert.IsTrue(await reader.ReadAsync());
                    Assert.AreEqual(pid, reader.GetValue(0), "no new login: the idle write connection is lent");
                    Assert.AreEqual("on", reader.GetString(1), $"read {i} runs read-only");
                }
            }
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 0, "the read lease to be reset and idle");
        }
        Assert.AreEqual(switches + 1, db.Budget.ModeSwitches, "only the first read switched the mode: the connection stayed a read connection");
        await using (var read = await db.OpenPluginAsync(a, PluginAccess.Read, None))
        {
            await using var insert = read.CreateCommand("INSERT INTO t VALUES (1)");
            var refused = await Assert.ThrowsExactlyAsync<Npgsql.PostgresException>(() => insert.ExecuteNonQueryAsync());
            Assert.AreEqual("25006", refused.SqlState, "read_only_sql_transaction");
        }
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 0, "the read lease to be reset and idle");

        for (var i = 0; i < 2; i++)
        {
            await using (var write = await db.OpenPluginAsync(a, PluginAccess.Write, None))
            {
                await using var insert = write.CreateCommand("INSERT INTO t VALUES (2); SELECT pg_backend_pid()");
                Assert.AreEqual(pid, await insert.ExecuteScalarAsync(), "a write takes the connection back, read-write again");
            }
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 0, "the write lease to be reset and idle");
        }
        Assert.AreEqual(switches + 2, db.Budget.ModeSwitches, "the second write needed no switch");
        Assert.AreEqual(1, db.Budget.RoleConnections(a));
        Assert.AreEqual(1, await Cluster.RoleSessionsAsync(a));
    }

    [TestMethod]
    public async Task A_returned_plugin_connection_is_reset_before_it_is_lent_again()
    {
        await using var db = Cluster.Database(o => { o.MaxConnections = 3; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; });
        var a = TestPlugins.New();
        object? pid;
        await using (var first = await db.OpenPluginAsync(a, PluginAccess.Read, None))
        {
            await using var command = first.CreateCommand("SELECT pg_backend_pid(), pg_advisory_lock(42), set_config('default_transaction_read_only', 'off', false), set_config('statement_timeout', '1234', false)");
            pid = await command.ExecuteScalarAsync();
        }
        await using var second = await db.OpenPluginAsync(a, PluginAccess.Read, None);
        await using var check = second.CreateCommand(
            "SELECT pg_backend_pid(), current_setting('default_transaction_read_only'), current_setting('statement_timeout'), (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())");
        await using var reader = await check.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        Assert.AreEqual(pid, reader.GetValue(0), "the same physical connection is reused");
        Assert.AreEqual("on", reader.GetString(1));
        Assert.AreEqual("0", reader.GetString(2));
        Assert.AreEqual(0L, reader.GetInt64(3));
    }

    [TestMethod]
    public async Task The_plugin_role_gets_a_connection_limit()
    {
        var byDefault = TestPlugins.New();
        var configured = TestPlugins.New();
        await using (var db = Cluster.Database(o => o.MaxConnectionsPerPlugin = 3))
            await (await db.OpenServiceAsync(byDefault, None)).DisposeAsync();
        await using (var db = Cluster.Database(o => o.PluginRoleConnectionLimit = 5))
            await (await db.OpenServiceAsync(configured, None)).DisposeAsync();

        Assert.AreEqual(12, await RoleLimitAsync(byDefault));
        Assert.AreEqual(5, await RoleLimitAsync(configured));
    }

    [TestMethod]
    public async Task The_role_limit_holds_across_hosts_and_a_refused_connection_gives_its_slot_back()
    {
        await using var hostA = Cluster.Database(o => { o.MaxConnectionsPerPlugin = 1; o.PluginRoleConnectionLimit = 1; });
        await using var hostB = Cluster.Database(o => { o.MaxConnectionsPerPlugin = 1; o.PluginRoleConnectionLimit = 1; });
        var plugin = TestPlugins.New();
        await using var held = await hostA.OpenPluginAsync(plugin, PluginAccess.Read, None);

        var refused = await Assert.ThrowsExactlyAsync<StorageException>(() => hostB.OpenPluginAsync(plugin, PluginAccess.Read, None).AsTask());
        Assert.AreEqual(StorageErrorCode.Unavailable, refused.Code);
        Assert.AreEqual(0, hostB.Budget.RoleConnections(plugin));
        Assert.AreEqual(0, hostB.Budget.InUse);
        Assert.AreEqual(hostB.Budget.Idle, hostB.Budget.Open, "only the service's idle connection is left");
    }

    [TestMethod]
    [DataRow(20, 20, 4, "Storage:Postgres:ServiceConnections")]
    [DataRow(10, 2, 9, "Storage:Postgres:MaxConnectionsPerPlugin")]
    [DataRow(2, 1, 1, "MaxConnections")]
    public void Inconsistent_budget_settings_fail_at_start_naming_the_setting(int max, int service, int perPlugin, string named)
    {
        using var provider = TestBackends.Build(Backend.Postgres, o =>
        {
            o.Postgres.MaxConnections = max;
            o.Postgres.ServiceConnections = service;
            o.Postgres.MaxConnectionsPerPlugin = perPlugin;
        });
        var error = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StorageOptions>>().Value);
        StringAssert.Contains(error.Message, named);
    }

    private static async Task<int> RoleLimitAsync(PluginId plugin)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Cluster.Server.AdminConnectionString());
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT rolconnlimit FROM pg_roles WHERE rolname = @r", connection);
        command.Parameters.AddWithValue("r", PostgresNames.Role(plugin));
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
