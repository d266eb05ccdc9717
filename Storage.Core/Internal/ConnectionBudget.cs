using System.Data;
using System.Diagnostics.Metrics;
using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// The one pool of physical PostgreSQL connections for the whole process: the service's and every
/// plugin role's, read and write, in use or idle, never more than <c>MaxConnections</c>.
/// <para>
/// Why our own pool rather than an NpgsqlDataSource per plugin: Npgsql's pools are bounded one by
/// one and close idle connections on their own schedule, so the process total could only be
/// approximated (every plugin's MaxPoolSize × plugins) and an idle plugin's connections could not be
/// handed to another plugin the moment it needs them. Here every physical connection is counted
/// from before it opens until after it closed, idle ones are closed least recently used first when
/// someone else needs the room, and after <c>ConnectionIdleSeconds</c> in any case.
/// </para>
/// <para>
/// Deadlock: the only caller that needs two connections at once (a migration: service + plugin)
/// asks for both in one demand, granted together or not at all, so nobody holds a connection
/// while waiting for another. Plugin work may have at most <c>MaxConnections - ServiceConnections</c>
/// in use, so the service's own work (KV group commit, bookkeeping) always finds room.
/// </para>
/// </summary>
internal sealed partial class ConnectionBudget : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ConnectionBudgetLimits _limits;
    private readonly TimeProvider _clock;
    private readonly LinkedList<IdleConnection> _idle = new(); // least recently returned first
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly Dictionary<PluginId, int> _roleConnections = new();
    private readonly ITimer _pruner;
    private readonly ITimer _lingerPump; // serves the queue once a lingering connection may be closed for it
    private readonly Meter _meter;
    private int _open; // physical connections opening, in use, resetting, idle or being closed
    private int _inUse;
    private int _pluginShareInUse;
    private long _resetRoundTrips;
    private long _modeSwitches;
    private bool _disposed;

    public ConnectionBudget(ConnectionBudgetLimits limits, TimeProvider clock)
    {
        _limits = limits;
        _clock = clock;
        var period = TimeSpan.FromTicks(Math.Max(limits.IdleLifetime.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks));
        _pruner = clock.CreateTimer(_ => _ = PruneIdleAsync(), null, period, period);
        _lingerPump = clock.CreateTimer(_ => { lock (_gate) Pump(); }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _meter = new Meter("Storage");
        _meter.CreateObservableGauge("storage.db.connections", () => new[]
        {
            new Measurement<int>(InUse, new KeyValuePair<string, object?>("state", "in_use")),
            new Measurement<int>(Idle, new KeyValuePair<string, object?>("state", "idle")),
        }, "{connection}", "PostgreSQL connections this process holds, by state.");
        _meter.CreateObservableGauge("storage.db.connection.waiters", () => Waiting, "{request}", "Requests waiting for a PostgreSQL connection.");
    }

    public int Open { get { lock (_gate) return _open; } }

    public int InUse { get { lock (_gate) return _inUse; } }

    public int Idle { get { lock (_gate) return _idle.Count; } }

    public int Waiting { get { lock (_gate) return _waiters.Count; } }

    /// <summary>Plugin connections reset by a round trip of their own on return (not carried by the lease's last statement), for tests.</summary>
    public long ResetRoundTrips => Interlocked.Read(ref _resetRoundTrips);

    /// <summary>Idle connections lent to the other mode's pool of their plugin (a SET round trip each), for tests.</summary>
    public long ModeSwitches => Interlocked.Read(ref _modeSwitches);

    public int RoleConnections(PluginId plugin) { lock (_gate) return _roleConnections.GetValueOrDefault(plugin); }

    /// <summary>
    /// Lends one connection per demand, all at once. Waits up to <c>ConnectionWaitMs</c> (and no longer
    /// than <paramref name="cancellationToken"/>) for room, then raises UNAVAILABLE naming the limit.
    /// </summary>
    public async Task<BudgetedConnection[]> OpenAsync(ConnectionDemand[] demands, CancellationToken cancellationToken)
    {
        Grant? grant = null;
        Waiter? waiter = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _clock.GetUtcNow();
            WatchRequest(demands, now);
            // With others queued, a newcomer queues too and the queue is served in order, unless its own
            // idle connections serve it (no slot taken from the queue, no login): see Linger and MaxStreak.
            grant = _waiters.Count == 0 ? TryGrant(demands, out _) : TryGrant(demands, out _, reuseOnly: true);
            if (grant is null)
            {
                var priority = Priority(demands, now);
                if (Sheddable(demands) && ExpectedWait(priority) is var (expected, ahead) && expected > _limits.Wait)
                {
                    RememberRefusal(demands, priority);
                    throw Shed(expected, ahead);
                }
                waiter = new Waiter(demands, now, priority);
                waiter.Node = Enqueue(waiter);
                DisplaceOverflow(waiter);
                Pump();
            }
        }
        grant ??= await WaitAsync(waiter!, cancellationToken).ConfigureAwait(false);
        return await MaterializeAsync(grant, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the idle connections of a pool that is going away; its busy ones close when returned.</summary>
    public async Task RetireAsync(ConnectionPool pool)
    {
        pool.Retire();
        List<IdleConnection> closing;
        lock (_gate)
            closing = TakeIdle(idle => idle.Pool == pool);
        await CloseIdleAsync(closing).ConfigureAwait(false);
    }

    /// <summary>Closes connections idle for longer than <c>ConnectionIdleSeconds</c>; the timer calls it, tests may too.</summary>
    public async Task PruneIdleAsync()
    {
        var now = _clock.GetUtcNow();
        var cutoff = now - _limits.IdleLifetime;
        List<IdleConnection> closing;
        lock (_gate)
        {
            closing = TakeIdle(idle => idle.Since <= cutoff);
            ForgetOldRefusals(now);
            ForgetOldReturns(now);
        }
        await CloseIdleAsync(closing).ConfigureAwait(false);
    }

    internal void Return(BudgetedConnection lease)
    {
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            if (lease.Pool.Plugin is { } plugin)
                WatchReturn(plugin, _clock.GetUtcNow()); // from now, before the reset: its next request may come during it
        }
        if (disposed || lease.Pool.Retired || lease.Connection.FullState != ConnectionState.Open)
            _ = CloseLeaseAsync(lease);
        else if (lease.Pool.ResetOnReturn && !lease.ResetDone)
            _ = ResetAsync(lease);
        else
            MakeIdle(lease);
    }

    public async ValueTask DisposeAsync()
    {
        List<IdleConnection> closing;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            closing = TakeIdle(_ => true);
            foreach (var waiter in _waiters)
                waiter.Completion.TrySetException(new ObjectDisposedException(nameof(ConnectionBudget)));
            _waiters.Clear();
        }
        await _pruner.DisposeAsync().ConfigureAwait(false);
        await _lingerPump.DisposeAsync().ConfigureAwait(false);
        _meter.Dispose();
        await CloseIdleAsync(closing).ConfigureAwait(false);
    }

    private async Task<Grant> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_limits.Wait, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await waiter.Completion.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (waiter.Node!.List is not null)
                    _waiters.Remove(waiter.Node);
            }
            // Granted in the moment we gave up: use it rather than leak it.
            if (waiter.Completion.Task.IsCompletedSuccessfully)
                return waiter.Completion.Task.Result;
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
                RememberRefusal(waiter.Demands, waiter.Priority);
            throw Exhausted(waiter.Limit);
        }
        catch (ObjectDisposedException ex)
        {
            throw new StorageException(StorageErrorCode.Unavailable, "The service is shutting down; retry later.", null, ex);
        }
    }
}
