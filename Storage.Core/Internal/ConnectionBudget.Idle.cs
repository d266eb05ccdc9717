using Npgsql;

namespace Storage.Core.Internal;

/// <summary>The idle list and the small records the budget keeps.</summary>
internal sealed partial class ConnectionBudget
{
    // Must be called under _gate.
    private LinkedListNode<IdleConnection>? FindIdle(Func<LinkedListNode<IdleConnection>, bool> match, bool newestFirst)
    {
        for (var node = newestFirst ? _idle.Last : _idle.First; node is not null; node = newestFirst ? node.Previous : node.Next)
            if (match(node))
                return node;
        return null;
    }

    private TimeSpan _loginTime; // moving average of how long opening a physical connection takes

    // A plugin's connection just given back is kept for that plugin's next request for a moment,
    // unless it already went back to its plugin ahead of the queue MaxStreak times in a row, or
    // lingering has not been paying lately (see LingerPays).
    private bool Lingering(IdleConnection idle, DateTimeOffset now) =>
        idle.Pool.Plugin is not null && idle.Streak < _limits.MaxStreak && now - idle.Since < Linger && LingerPays;

    // The moment is worth up to half a login: when logins get slow (hundreds of backends starting on
    // a busy server), a plugin's next request is both slower to arrive and dearer to miss.
    private TimeSpan Linger => TimeSpan.FromTicks(Math.Clamp(_loginTime.Ticks / 2, _limits.Linger.Ticks, Math.Max(_limits.Linger.Ticks, TimeSpan.TicksPerSecond)));

    private void RecordLogin(TimeSpan took)
    {
        lock (_gate)
            _loginTime = _loginTime == TimeSpan.Zero ? took : (_loginTime * 4 + took) / 5;
    }

    // Must be called under _gate: the least recently used idle connection that may be closed for someone
    // else. A plugin's goes first: a service connection serves every plugin's next KV or migration request.
    private LinkedListNode<IdleConnection>? FindVictim(Func<LinkedListNode<IdleConnection>, bool> free, DateTimeOffset now) =>
        FindIdle(n => free(n) && n.Value.Pool.Plugin is not null && !Lingering(n.Value, now), newestFirst: false)
        ?? FindIdle(n => free(n) && n.Value.Pool.Plugin is null, newestFirst: false);

    // Must be called under _gate: a waiter found only lingering connections to close; look again when the first stops lingering.
    private void PumpAfterLinger(DateTimeOffset now)
    {
        var first = _idle.Where(idle => Lingering(idle, now)).Select(idle => idle.Since).DefaultIfEmpty().Min();
        if (first != default)
            _lingerPump.Change(first + Linger - now + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    // Must be called under _gate. The taken connections stay counted until CloseIdleAsync closed them.
    private List<IdleConnection> TakeIdle(Func<IdleConnection, bool> match)
    {
        var taken = new List<IdleConnection>();
        for (var node = _idle.First; node is not null;)
        {
            var next = node.Next;
            if (match(node.Value))
            {
                _idle.Remove(node);
                taken.Add(node.Value);
            }
            node = next;
        }
        return taken;
    }

    private async Task CloseIdleAsync(List<IdleConnection> closing)
    {
        if (closing.Count == 0)
            return;
        foreach (var idle in closing)
            await CloseQuietlyAsync(idle.Connection).ConfigureAwait(false);
        lock (_gate)
        {
            _open -= closing.Count;
            foreach (var idle in closing)
                if (idle.Pool.Plugin is { } plugin)
                    AddRole(plugin, -1);
            Pump();
        }
    }

    // Must be called under _gate.
    private void AddRole(PluginId plugin, int delta)
    {
        var count = _roleConnections.GetValueOrDefault(plugin) + delta;
        if (count == 0)
            _roleConnections.Remove(plugin);
        else
            _roleConnections[plugin] = count;
    }

    private static async Task CloseQuietlyAsync(NpgsqlConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
        {
            // A connection that cannot even close cleanly is gone either way.
        }
    }

    /// <summary>
    /// <paramref name="Streak"/>: how often in a row it went back to its plugin ahead of the queue.
    /// <paramref name="LoginReadOnly"/>: the mode it logged in with, which may not be its pool's (<see cref="ConnectionPool.Sibling"/>).
    /// </summary>
    private sealed record IdleConnection(ConnectionPool Pool, NpgsqlConnection Connection, DateTimeOffset Since, int Streak, bool LoginReadOnly);

    /// <summary><paramref name="AheadOfQueue"/>: only the demands' own idle connections, lent while others wait.</summary>
    private sealed record Grant(ConnectionDemand[] Demands, IdleConnection?[] Reused, List<NpgsqlConnection> Evicted, bool AheadOfQueue);

    /// <summary>A queued request; its priority is since when its plugin has been refused (else when it came): earlier goes first.</summary>
    private sealed class Waiter(ConnectionDemand[] demands, DateTimeOffset since, DateTimeOffset priority)
    {
        public ConnectionDemand[] Demands { get; } = demands;

        /// <summary>The plugins of the demands, and whether any counts against the plugins' share: read at every pump.</summary>
        public PluginId[] Plugins { get; } = demands.Select(d => d.Pool.Plugin).OfType<PluginId>().ToArray();

        public bool NeedsShare { get; } = demands.Any(d => d.PluginShare);

        public DateTimeOffset Since { get; } = since;

        public DateTimeOffset Priority { get; } = priority;

        public TaskCompletionSource<Grant> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        /// <summary>The setting that kept it waiting last time it was tried, for the error message.</summary>
        public string? Limit { get; set; }
    }
}
