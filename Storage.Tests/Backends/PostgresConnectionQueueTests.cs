using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// The queue for PostgreSQL connections: a plugin's next request reuses the connection it just gave
/// back, even with other plugins queued (no new login), for a moment and a few times in a row at most;
/// a request that would wait past ConnectionWaitMs is refused at once with a retry hint sized from the queue.
/// </summary>
[TestClass]
public sealed class PostgresConnectionQueueTests
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
    public async Task Once_plugins_stop_coming_back_within_the_linger_their_returned_connections_go_to_the_queue_at_once()
    {
        var clock = new ManualClock();
        await using var db = Cluster.Database(o => { o.MaxConnections = 2; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 600_000; }, clock);
        var (a, b) = (TestPlugins.New(), TestPlugins.New());
        await (await db.OpenServiceAsync(a, None)).DisposeAsync();
        await using var service = await db.OpenServiceAsync(b, None); // holds the service's reserve
        // Twelve plugins each give their connection back and do not ask again.
        foreach (var plugin in Enumerable.Range(0, 12).Select(_ => TestPlugins.New()))
        {
            await (await db.OpenPluginAsync(plugin, PluginAccess.Read, None)).DisposeAsync();
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 1, "the connection to be reset and idle");
            clock.Advance(TimeSpan.FromSeconds(2));
            await db.Budget.PruneIdleAsync();
        }

        var held = await db.OpenPluginAsync(a, PluginAccess.Read, None);
        var waiting = db.OpenPluginAsync(b, PluginAccess.Read, None).AsTask();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == 1, "b to queue behind a");
        await held.DisposeAsync();

        // The clock does not move: b gets a's room without waiting out a linger.
        await using var granted = await waiting.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, db.Budget.RoleConnections(a));
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

    [TestMethod]
    public async Task A_request_that_would_wait_longer_than_ConnectionWaitMs_is_refused_at_once_with_the_expected_wait()
    {
        var clock = new ManualClock();
        await using var db = Cluster.Database(o => { o.MaxConnections = 2; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 30_000; }, clock);
        var plugins = Enumerable.Range(0, 5).Select(_ => TestPlugins.New()).ToArray();
        foreach (var plugin in plugins)
            await (await db.OpenServiceAsync(plugin, None)).DisposeAsync();
        await using var service = await db.OpenServiceAsync(plugins[0], None);
        var held = await db.OpenPluginAsync(plugins[0], PluginAccess.Read, None);
        var queued = plugins[1..4].Select(p => db.OpenPluginAsync(p, PluginAccess.Read, None).AsTask()).ToArray();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == 3, "three requests to queue");

        // The first grant from the queue comes 20 s after they queued: a newcomer behind the two
        // still queued would wait about 2 x 20 s, more than 30 s.
        clock.Advance(TimeSpan.FromSeconds(19));
        await held.DisposeAsync();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 1, "the held connection to be reset and idle");
        clock.Advance(TimeSpan.FromSeconds(1)); // past its linger for its own plugin: the queue gets it
        await using (await queued[0].WaitAsync(TimeSpan.FromMinutes(2)))
        {
            var refused = await Assert.ThrowsExactlyAsync<StorageException>(() => db.OpenPluginAsync(plugins[4], PluginAccess.Read, None).AsTask());
            Assert.AreEqual(StorageErrorCode.Unavailable, refused.Code);
            Assert.AreEqual(40_000, refused.Details["retry_after_ms"]);
            Assert.AreEqual(2, refused.Details["queued"]);
            StringAssert.Contains(refused.Message, "Storage:Postgres:ConnectionWaitMs (30000 ms)");
            Assert.AreEqual(2, db.Budget.Waiting, "the refused request did not queue");
        }
        foreach (var next in queued[1..])
        {
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 1, "the last connection to be reset and idle");
            clock.Advance(TimeSpan.FromSeconds(1));
            await (await next.WaitAsync(TimeSpan.FromMinutes(2))).DisposeAsync();
        }
    }

    [TestMethod]
    public async Task A_request_queued_behind_its_own_plugins_connections_is_not_refused_for_the_queues_length()
    {
        var clock = new ManualClock();
        await using var db = Cluster.Database(o => { o.MaxConnections = 4; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 30_000; }, clock);
        var plugin = TestPlugins.New();
        await (await db.OpenServiceAsync(plugin, None)).DisposeAsync();
        var held = await db.OpenPluginAsync(plugin, PluginAccess.Read, None);
        var queued = new List<Task<PluginConnection>>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add(db.OpenPluginAsync(plugin, PluginAccess.Read, None).AsTask());
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == queued.Count, "the plugin's requests to queue behind its one connection");
        }

        // The queue is served every 20 s: a newcomer behind the two still queued would wait about 40 s, more
        // than ConnectionWaitMs, but it waits for the plugin's own connection, which comes back to it.
        clock.Advance(TimeSpan.FromSeconds(20));
        await held.DisposeAsync();
        var first = await queued[0].WaitAsync(TimeSpan.FromMinutes(2));
        var newcomer = db.OpenPluginAsync(plugin, PluginAccess.Read, None).AsTask();
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == 3 || newcomer.IsCompleted, "the newcomer to queue");
        Assert.IsFalse(newcomer.IsCompleted, newcomer.Exception?.ToString() ?? "granted without a connection free");
        await first.DisposeAsync();
        foreach (var next in queued.Skip(1).Append(newcomer))
            await (await next.WaitAsync(TimeSpan.FromMinutes(2))).DisposeAsync();
    }

    [TestMethod]
    public async Task Another_plugin_is_not_refused_for_the_requests_one_plugin_has_queued_at_its_own_cap()
    {
        var clock = new ManualClock();
        await using var db = Cluster.Database(o => { o.MaxConnections = 4; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 30_000; }, clock);
        var busy = TestPlugins.New();
        var other = TestPlugins.New();
        await (await db.OpenServiceAsync(busy, None)).DisposeAsync();
        await (await db.OpenServiceAsync(other, None)).DisposeAsync();
        var held = await db.OpenPluginAsync(busy, PluginAccess.Read, None);
        var queued = new List<Task<PluginConnection>>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add(db.OpenPluginAsync(busy, PluginAccess.Read, None).AsTask());
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == queued.Count, "the busy plugin's requests to queue at its cap");
        }

        // The queue is served every 20 s and two of the busy plugin's requests still wait: 40 s by the
        // queue's length, but they wait for the busy plugin's own connection, and two of the plugins'
        // connections are free: the other plugin gets one at once.
        clock.Advance(TimeSpan.FromSeconds(20));
        await held.DisposeAsync();
        var first = await queued[0].WaitAsync(TimeSpan.FromMinutes(2));
        Assert.AreEqual(2, db.Budget.Waiting);
        await using (var connection = await db.OpenPluginAsync(other, PluginAccess.Read, None))
        {
            await using var command = connection.CreateCommand("SELECT 42");
            Assert.AreEqual(42, await command.ExecuteScalarAsync());
        }
        await first.DisposeAsync();
        foreach (var next in queued.Skip(1))
            await (await next.WaitAsync(TimeSpan.FromMinutes(2))).DisposeAsync();
    }

    [TestMethod]
    public async Task A_plugin_refused_earlier_goes_ahead_of_plugins_that_queued_after_its_refusal_and_the_last_one_is_refused_at_once()
    {
        var clock = new ManualClock();
        await using var db = Cluster.Database(o => { o.MaxConnections = 2; o.ServiceConnections = 1; o.MaxConnectionsPerPlugin = 1; o.ConnectionWaitMs = 30_000; }, clock);
        var p = Enumerable.Range(0, 7).Select(_ => TestPlugins.New()).ToArray();
        foreach (var plugin in p)
            await (await db.OpenServiceAsync(plugin, None)).DisposeAsync();
        await using var service = await db.OpenServiceAsync(p[0], None); // holds the service's reserve: one plugin slot
        var held = await db.OpenPluginAsync(p[0], PluginAccess.Read, None);
        var queued = new List<Task<PluginConnection>>();
        async Task QueueAsync(PluginId plugin)
        {
            queued.Add(db.OpenPluginAsync(plugin, PluginAccess.Read, None).AsTask());
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Waiting == queued.Count(t => !t.IsCompleted), "the request to queue");
        }
        async Task<PluginConnection> PassAsync(PluginConnection from, Task<PluginConnection> to)
        {
            await from.DisposeAsync();
            await PostgresBudgetCluster.WaitForAsync(() => db.Budget.Idle == 1 || to.IsCompleted, "the connection to be reset and idle");
            clock.Advance(TimeSpan.FromSeconds(1)); // past its linger for its own plugin
            return await to.WaitAsync(TimeSpan.FromMinutes(2));
        }

        // The queue is served every ~20 s: p4, behind two, would wait ~40 s and is refused.
        await QueueAsync(p[1]);
        await QueueAsync(p[2]);
        clock.Advance(TimeSpan.FromSeconds(20));
        held = await PassAsync(held, queued[0]);
        await QueueAsync(p[3]);
        var refused = await Assert.ThrowsExactlyAsync<StorageException>(() => db.OpenPluginAsync(p[4], PluginAccess.Read, None).AsTask());
        Assert.AreEqual(StorageErrorCode.Unavailable, refused.Code);
        held = await PassAsync(held, queued[1]);
        held = await PassAsync(held, queued[2]);

        // p5 and p6 queue after p4's refusal (~14 s apiece now); p4 comes back and goes ahead of both,
        // and p6, now last of three (~42 s), is refused at once rather than after waiting 30 s in vain.
        await QueueAsync(p[5]);
        await QueueAsync(p[6]);
        var back = db.OpenPluginAsync(p[4], PluginAccess.Read, None).AsTask();
        var displaced = await Assert.ThrowsExactlyAsync<StorageException>(() => queued[4].WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.AreEqual(StorageErrorCode.Unavailable, displaced.Code);
        Assert.AreEqual(2, db.Budget.Waiting, "p4 queued, p6 left the queue");
        Assert.IsFalse(back.IsCompleted, back.Exception?.ToString() ?? "granted without a connection free");
        held = await PassAsync(held, back);
        Assert.IsFalse(queued[3].IsCompleted, "a plugin that queued after p4's refusal went first");
        held = await PassAsync(held, queued[3]);
        await held.DisposeAsync();
    }

    private static async Task<object?> BackendPidAsync(PostgresDatabase db, PluginId plugin)
    {
        await using var connection = await db.OpenPluginAsync(plugin, PluginAccess.Read, None);
        await using var command = connection.CreateCommand("SELECT pg_backend_pid()");
        return await command.ExecuteScalarAsync();
    }
}
