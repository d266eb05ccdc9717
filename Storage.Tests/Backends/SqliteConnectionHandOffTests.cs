using Microsoft.Data.Sqlite;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;
using Kind = Storage.Core.Internal.SqlitePluginFile.ConnectionKind;
using Pooled = Storage.Core.Internal.SqlitePluginFile.Pooled;

namespace Storage.Tests.Backends;

/// <summary>
/// A SQLite plugin's connections at its cap (<c>MaxConnectionsPerPlugin</c>) go from the request that
/// returns one straight to the longest waiter: never lost to a waiter that gave up, never more open than
/// the cap, and no kind of connection waits forever behind another. Real connections on a real file.
/// </summary>
[TestClass]
public sealed class SqliteConnectionHandOffTests
{
    private const int Cap = 2;
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(2);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"handoff-{Guid.NewGuid():N}.db");
    private readonly List<Pooled> _connections = [];
    private int _opened;

    [TestCleanup]
    public void Cleanup()
    {
        lock (_connections)
        {
            foreach (var pooled in _connections)
                pooled.Dispose();
        }
        foreach (var path in new[] { _path, _path + "-wal", _path + "-shm" })
            File.Delete(path);
    }

    [TestMethod]
    public async Task A_returned_connection_goes_to_the_longest_waiter_and_no_more_open_than_the_cap()
    {
        var file = new SqlitePluginFile(TestPlugins.New("hand"), Cap);
        var held = new[] { await RentAsync(file, Kind.Read), await RentAsync(file, Kind.Read) };
        var waiters = new List<Task<Pooled>>();
        for (var i = 0; i < 3; i++)
            waiters.Add(await QueueAsync(file, Kind.Read));

        file.Return(held[0]);
        Assert.AreSame(held[0], await waiters[0].WaitAsync(Long), "the first waiter owns the returned connection");
        Assert.IsFalse(waiters[1].IsCompleted || waiters[2].IsCompleted, "the others wait on");
        file.Return(held[1]);
        Assert.AreSame(held[1], await waiters[1].WaitAsync(Long));
        Assert.AreEqual(1, file.Waiting);
        Assert.AreEqual(Cap, _opened, "handed over, not opened again");
        Assert.AreEqual(Cap, file.Open);
        file.Close();
        await Assert.ThrowsAsync<StorageException>(() => waiters[2].WaitAsync(Long));
    }

    [TestMethod]
    public async Task A_waiter_that_gives_up_loses_no_connection_even_when_one_reaches_it_at_that_moment()
    {
        var file = new SqlitePluginFile(TestPlugins.New("hand"), Cap);
        var held = new[] { await RentAsync(file, Kind.Read), await RentAsync(file, Kind.Read) };
        for (var round = 0; round < 200; round++)
        {
            using var leaving = new CancellationTokenSource();
            var quitter = await QueueAsync(file, Kind.Read, leaving.Token);
            var stayer = await QueueAsync(file, Kind.Read);
            // The hand-over and the cancellation race; either way exactly one of them ends up holding it.
            var returned = held[round % Cap];
            await Task.WhenAll(Task.Run(() => file.Return(returned)), Task.Run(leaving.Cancel));
            try
            {
                // It may have taken the connection before it saw the cancellation: then it uses it and returns it.
                var taken = await quitter.WaitAsync(Long);
                Assert.AreSame(returned, taken);
                file.Return(taken);
            }
            catch (OperationCanceledException)
            {
                // It left; a connection that reached it as it left was passed on.
            }
            Assert.AreSame(returned, await stayer.WaitAsync(Long), $"round {round}: the waiter that stayed ends up with it");
            Assert.AreEqual(0, file.Waiting);
        }
        Assert.AreEqual(Cap, _opened);
        Assert.AreEqual(Cap, file.Open);
        file.Close();
    }

    [TestMethod]
    public async Task A_waiter_that_times_out_gets_unavailable_and_the_next_return_goes_to_the_next_waiter()
    {
        var file = new SqlitePluginFile(TestPlugins.New("hand"), Cap);
        var held = new[] { await RentAsync(file, Kind.Read), await RentAsync(file, Kind.Read) };
        var impatient = file.RentAsync(Kind.Read, () => OpenAsync(Kind.Read), TimeSpan.FromMilliseconds(1), None);
        var error = await Assert.ThrowsAsync<StorageException>(() => impatient.WaitAsync(Long));
        Assert.AreEqual(StorageErrorCode.Unavailable, error.Code);
        StringAssert.Contains(error.Message, "Storage:Sqlite:MaxConnectionsPerPlugin");
        var patient = await QueueAsync(file, Kind.Read);
        file.Return(held[0]);
        Assert.AreSame(held[0], await patient.WaitAsync(Long));
        file.Close();
    }

    [TestMethod]
    public async Task A_waiter_of_another_kind_is_passed_over_at_most_cap_times_then_gets_its_own_connection()
    {
        var file = new SqlitePluginFile(TestPlugins.New("hand"), Cap);
        var reading = await RentAsync(file, Kind.Read);
        var other = await RentAsync(file, Kind.Read);
        var writer = await QueueAsync(file, Kind.Write);
        for (var i = 0; i < Cap; i++)
        {
            // A reader queued behind the writer still gets the read connection: no reopen needed.
            var reader = await QueueAsync(file, Kind.Read);
            file.Return(reading);
            reading = await reader.WaitAsync(Long);
            Assert.IsFalse(writer.IsCompleted, $"passed over {i + 1} time(s)");
        }
        var lastReader = await QueueAsync(file, Kind.Read);
        file.Return(reading);
        var written = await writer.WaitAsync(Long);
        Assert.AreEqual(Kind.Write, written.Kind, "its turn came: the read connection was closed for a write one");
        Assert.AreEqual(System.Data.ConnectionState.Closed, reading.Connection.State);
        Assert.IsFalse(lastReader.IsCompleted);
        Assert.AreEqual(Cap, file.Open, "closing one to open the other keeps the cap");
        file.Return(other);
        Assert.AreSame(other, await lastReader.WaitAsync(Long));
        file.Close();
    }

    [TestMethod]
    public async Task A_connection_closed_on_return_passes_its_permit_to_the_waiter()
    {
        var file = new SqlitePluginFile(TestPlugins.New("hand"), Cap);
        var dirty = await RentAsync(file, Kind.Write);
        var held = await RentAsync(file, Kind.Write);
        var waiter = await QueueAsync(file, Kind.Write);
        using (var begin = dirty.Connection.CreateCommand())
        {
            begin.CommandText = "BEGIN";
            begin.ExecuteNonQuery();
        }
        file.Return(dirty);
        var fresh = await waiter.WaitAsync(Long);
        Assert.AreNotSame(dirty, fresh, "a connection inside a transaction is closed, not handed over");
        Assert.AreEqual(Cap + 1, _opened);
        Assert.AreEqual(Cap, file.Open);
        file.Return(held);
        file.Return(fresh);
        file.Close();
    }

    private Task<Pooled> RentAsync(SqlitePluginFile file, Kind kind) => file.RentAsync(kind, () => OpenAsync(kind), Long, None);

    // Starts a rent that must wait, and returns once it is queued, so the order of waiters is known.
    private async Task<Task<Pooled>> QueueAsync(SqlitePluginFile file, Kind kind, CancellationToken cancellationToken = default)
    {
        var before = file.Waiting;
        var rent = file.RentAsync(kind, () => OpenAsync(kind), Long, cancellationToken);
        var deadline = DateTime.UtcNow + Long;
        while (file.Waiting == before && !rent.IsCompleted && DateTime.UtcNow < deadline)
            await Task.Delay(1);
        Assert.AreEqual(before + 1, file.Waiting, "queued");
        return rent;
    }

    private async Task<Pooled> OpenAsync(Kind kind)
    {
        Interlocked.Increment(ref _opened);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var pooled = new Pooled(connection, null, kind);
        lock (_connections)
            _connections.Add(pooled);
        return pooled;
    }
}
