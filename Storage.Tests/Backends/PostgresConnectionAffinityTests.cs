using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// A plugin's next request reuses the connection it just gave back, even with other plugins queued
/// (no new login), for a moment and a few times in a row at most: then the queue gets it.
/// </summary>
[TestClass]
public sealed class PostgresConnectionAffinityTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static PostgresBudgetCluster? _cluster;

    private static PostgresBudgetCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster did not start.");

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _cluster = await PostgresBudgetCluster.StartAsync(maxConnections: 20);
    }

    [ClassCleanup]
    public static void Stop() => _cluster?.Dispose();

    [TestMethod]
    public async Task A_just_returned_connection_serves_its_plugins_next_request_ahead_of_the_queue_and_then_goes_to_the_queue()
    {
        var clock = new ManualClock();
        // One slot for plugins: a's idle connection is what b would have to close to get in.
        await using var db = Cluster.Database(o => { o.MaxConnections = 2; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 600_000; }, clock);
        var (a, b) = (TestPlugins.New(), TestPlugins.New());
        await (await db.OpenServiceAsync(a, None)).DisposeAsync();
        await using var service = await db.OpenServiceAsync(b, None); // holds the service's reserve
        var pid = await BackendPidAsync(db, a);
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 1, "a's connection to be reset and idle");

        var waiting = db.OpenPluginAsync(b, PluginAccess.Read, None).AsTask();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == 1, "b to queue behind a's lingering connection");

        Assert.AreEqual(pid, await BackendPidAsync(db, a), "a's next request reused its connection ahead of b: no new login");
        Assert.IsFalse(waiting.IsCompleted);
        Assert.AreEqual(0, db.Budget.RoleConnections(b));

        // Once the moment has passed, the queue gets the room: a's connection is closed for b.
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 1, "a's connection to be idle again");
        clock.Advance(TimeSpan.FromSeconds(1));
        await using var granted = await waiting.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, db.Budget.RoleConnections(a));
        Assert.AreEqual(1, db.Budget.RoleConnections(b));
    }

    [TestMethod]
    public async Task A_busy_plugin_gives_its_connection_to_the_queue_after_a_few_turns_ahead_of_it()
    {
        var clock = new ManualClock(); // never moves: only the streak ends a's turns
        await using var db = Cluster.Database(o => { o.MaxConnections = 2; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 600_000; }, clock);
        var (a, b) = (TestPlugins.New(), TestPlugins.New());
        await (await db.OpenServiceAsync(a, None)).DisposeAsync();
        await using var service = await db.OpenServiceAsync(b, None);
        var pid = await BackendPidAsync(db, a);
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 1, "a's connection to be reset and idle");
        var waiting = db.OpenPluginAsync(b, PluginAccess.Read, None).AsTask();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == 1, "b to queue");

        var turns = 0;
        while (!waiting.IsCompleted && turns < 100)
        {
            var next = db.OpenPluginAsync(a, PluginAccess.Read, None).AsTask();
            if (await Task.WhenAny(next, waiting) == waiting)
            {
                // b got the room; a's request now queues behind b and is granted once b is done.
                await using (await waiting) { }
                await using (await next.WaitAsync(TimeSpan.FromMinutes(2))) { }
                break;
            }
            await using (var connection = await next)
            {
                await using var command = connection.CreateCommand("SELECT pg_backend_pid()");
                Assert.AreEqual(pid, await command.ExecuteScalarAsync());
            }
            turns++;
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 1 || waiting.IsCompleted, "a's connection to come back");
        }
        Assert.IsTrue(waiting.IsCompleted, $"b still waits after {turns} turns of a");
        Assert.AreEqual(8, turns, "a went ahead of the queue MaxStreak (8) times, then the queue got its connection");
    }

    private static async Task<object?> BackendPidAsync(PostgresDatabase db, PluginId plugin)
    {
        await using var connection = await db.OpenPluginAsync(plugin, PluginAccess.Read, None);
        await using var command = connection.CreateCommand("SELECT pg_backend_pid()");
        return await command.ExecuteScalarAsync();
    }
}
