using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// A SQLite plugin's connections at <c>Storage:Sqlite:MaxConnectionsPerPlugin</c>: a returned connection wakes
/// one waiter, not all of them, so a waiter that gives up must not take the wake with it, and many callers
/// over a small cap all get their turn.
/// </summary>
[TestClass]
public sealed class SqliteConnectionQueueTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [TestMethod]
    public async Task A_cancelled_waiter_does_not_take_the_next_waiters_turn()
    {
        await using var services = Build(maxConnections: 2);
        var database = services.GetRequiredService<IPluginDatabase>();
        var plugin = TestPlugins.New("q");
        var held = new[]
        {
            await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None),
            await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None),
        };
        using var giveUp = new CancellationTokenSource();
        var first = database.OpenPluginAsync(plugin, PluginAccess.Read, giveUp.Token).AsTask();
        var second = database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None).AsTask();
        await giveUp.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => first);
        Assert.IsFalse(second.IsCompleted, "both connections are still held");

        await held[0].DisposeAsync();
        await using (await second.WaitAsync(Generous))
        {
        }
        await held[1].DisposeAsync();
    }

    [TestMethod]
    public async Task Sixty_four_callers_over_two_connections_all_get_their_turns()
    {
        await using var services = Build(maxConnections: 2);
        var database = services.GetRequiredService<IPluginDatabase>();
        var plugin = TestPlugins.New("q");
        var inUse = 0;
        var peak = 0;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await using var connection = await database.OpenPluginAsync(plugin, i % 4 == 0 ? PluginAccess.Write : PluginAccess.Read, CancellationToken.None);
                var now = Interlocked.Increment(ref inUse);
                InterlockedMax(ref peak, now);
                await using (var command = connection.CreateCommand("SELECT 1"))
                    Assert.AreEqual(1L, await command.ExecuteScalarAsync());
                Interlocked.Decrement(ref inUse);
            }
        }))).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.IsLessThanOrEqualTo(2, peak);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
            current = seen;
    }

    // A wait long enough that a lost wake-up shows as a hang rather than as UNAVAILABLE.
    private static ServiceProvider Build(int maxConnections) => TestBackends.Build(Backend.Sqlite, o =>
    {
        o.Sqlite.MaxConnectionsPerPlugin = maxConnections;
        o.Sqlite.OpenWaitMs = 120_000;
    });
}
