using Npgsql;

namespace Storage.Core.Internal;

/// <summary>Granting, returning and closing: every count changes under the lock, every I/O happens outside it.</summary>
internal sealed partial class ConnectionBudget
{
    // Must be called under _gate. Grants every demand or none: reuses an idle connection of the same
    // pool, else takes a free slot, else closes the least recently used idle connection of any pool
    // that is not lingering for its own plugin. With reuseOnly (ahead of the queue), only idle
    // connections of the demand's own pools whose streak is not used up.
    private Grant? TryGrant(ConnectionDemand[] demands, out string? limit, bool reuseOnly = false)
    {
        limit = null;
        var share = demands.Count(d => d.PluginShare);
        if (share > 0 && _pluginShareInUse + share > _limits.PluginShare)
        {
            limit = nameof(PostgresOptions.MaxConnections);
            return null;
        }
        var reused = new LinkedListNode<IdleConnection>?[demands.Length];
        var evicted = new List<LinkedListNode<IdleConnection>>();
        var opened = 0;
        bool Taken(LinkedListNode<IdleConnection> node) => reused.Contains(node) || evicted.Contains(node);
        var now = _clock.GetUtcNow();
        bool Reusable(LinkedListNode<IdleConnection> n, ConnectionPool pool) =>
            n.Value.Pool == pool && !Taken(n) && (!reuseOnly || n.Value.Streak < _limits.MaxStreak);
        for (var i = 0; i < demands.Length; i++)
        {
            var pool = demands[i].Pool;
            reused[i] = FindIdle(n => Reusable(n, pool), newestFirst: true)
                ?? (pool.Sibling is { } sibling ? FindIdle(n => Reusable(n, sibling), newestFirst: true) : null);
            if (reused[i] is not null)
                continue;
            if (reuseOnly)
                return null;
            if (pool.Plugin is { } plugin)
            {
                var opening = demands.Take(i).Where((d, j) => d.Pool.Plugin == plugin && reused[j] is null).Count();
                var closing = evicted.Count(n => n.Value.Pool.Plugin == plugin);
                if (_roleConnections.GetValueOrDefault(plugin) + opening - closing >= _limits.MaxPerPlugin)
                {
                    // At its cap the plugin can still trade an idle connection of its other pool.
                    var own = FindIdle(n => n.Value.Pool.Plugin == plugin && !Taken(n), newestFirst: false);
                    if (own is null)
                    {
                        limit = nameof(PostgresOptions.MaxConnectionsPerPlugin);
                        return null;
                    }
                    evicted.Add(own);
                }
            }
            if (_open + opened + 1 - evicted.Count > _limits.MaxConnections)
            {
                var victim = FindVictim(n => !Taken(n), now);
                if (victim is null)
                {
                    PumpAfterLinger(now);
                    limit = nameof(PostgresOptions.MaxConnections);
                    return null;
                }
                evicted.Add(victim);
            }
            opened++;
        }

        foreach (var node in reused)
            if (node is not null)
                _idle.Remove(node);
        foreach (var node in evicted)
        {
            // Counted free now: the grantee closes these before it opens its own, so the total holds.
            _idle.Remove(node);
            _open--;
            if (node.Value.Pool.Plugin is { } plugin)
                AddRole(plugin, -1);
        }
        for (var i = 0; i < demands.Length; i++)
            if (reused[i] is null && demands[i].Pool.Plugin is { } plugin)
                AddRole(plugin, 1);
        _open += opened;
        _inUse += demands.Length;
        _pluginShareInUse += share;
        ForgetRefusals(demands);
        return new Grant(demands, reused.Select(n => n?.Value).ToArray(), evicted.Select(n => n.Value.Connection).ToList(), reuseOnly);
    }

    // Must be called under _gate: grants queued demands in queue order (plugins refused earlier first,
    // then arrival: ConnectionBudget.Priority.cs). A waiter that does not fit holds back the later ones
    // competing for the same limit (its plugin's cap, or the plugins' share),
    // so a migration asking for two connections at once is never overtaken for ever by single requests;
    // waiters of other plugins, and the service's reserve, still go ahead.
    private void Pump()
    {
        var blockedPlugins = new HashSet<PluginId>();
        bool Blocked(PluginId[] plugins)
        {
            foreach (var plugin in plugins)
                if (blockedPlugins.Contains(plugin))
                    return true;
            return false;
        }
        var shareBlocked = false;
        for (var node = _waiters.First; node is not null;)
        {
            var next = node.Next;
            var demands = node.Value.Demands;
            var plugins = node.Value.Plugins;
            var needsShare = node.Value.NeedsShare;
            if ((shareBlocked && needsShare) || Blocked(plugins))
            {
                // Held back behind an earlier waiter, it may still take its own plugin's idle connections
                // (none when nothing is idle: with one busy plugin's many waiters, that is every pump but the first grant).
                if (_idle.Count > 0 && TryGrant(demands, out _, reuseOnly: true) is { } own)
                {
                    _waiters.Remove(node);
                    RecordQueueGrant(node.Value);
                    node.Value.Completion.TrySetResult(own);
                }
                node = next;
                continue;
            }
            var grant = TryGrant(demands, out var limit);
            if (grant is not null)
            {
                _waiters.Remove(node);
                RecordQueueGrant(node.Value);
                node.Value.Completion.TrySetResult(grant);
            }
            else
            {
                node.Value.Limit = limit;
                if (limit == nameof(PostgresOptions.MaxConnectionsPerPlugin))
                    blockedPlugins.UnionWith(plugins);
                else if (needsShare)
                    shareBlocked = true;
            }
            node = next;
        }
    }

    private async Task<BudgetedConnection[]> MaterializeAsync(Grant grant, CancellationToken cancellationToken)
    {
        foreach (var connection in grant.Evicted)
            await CloseQuietlyAsync(connection).ConfigureAwait(false);
        var leases = new BudgetedConnection[grant.Demands.Length];
        for (var i = 0; i < leases.Length; i++)
        {
            var demand = grant.Demands[i];
            var reused = grant.Reused[i];
            var connection = reused?.Connection;
            try
            {
                if (reused is null)
                {
                    var started = _clock.GetTimestamp();
                    connection = await demand.Pool.OpenAsync(cancellationToken).ConfigureAwait(false);
                    RecordLogin(_clock.GetElapsedTime(started));
                }
                else if (reused.Pool != demand.Pool)
                {
                    Interlocked.Increment(ref _modeSwitches);
                    await SwitchModeAsync(reused.Connection, demand.Pool.ReadOnly, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                // This and every later demand of the grant give their slots back, after their connections closed
                // (a connection that failed to open has closed itself).
                if (reused is not null)
                    await CloseQuietlyAsync(reused.Connection).ConfigureAwait(false);
                foreach (var reusedLater in grant.Reused.Skip(i + 1).OfType<IdleConnection>())
                    await CloseQuietlyAsync(reusedLater.Connection).ConfigureAwait(false);
                for (var j = i; j < leases.Length; j++)
                    Forget(grant.Demands[j]);
                foreach (var lease in leases.Take(i))
                    lease.Return();
                throw;
            }
            // A sibling's connection joins the demand's pool: its resets keep it in that pool's mode (ModeSql), so the
            // next lease of the same mode needs no switch (a search after writes paid one round trip per lease).
            var streak = grant.AheadOfQueue ? reused!.Streak + 1 : 0;
            leases[i] = new BudgetedConnection(this, demand.Pool, connection!, demand.PluginShare)
            {
                Streak = streak,
                LoginReadOnly = reused?.LoginReadOnly ?? demand.Pool.ReadOnly,
            };
        }
        return leases;
    }

    private static async Task SwitchModeAsync(NpgsqlConnection connection, bool readOnly, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ModeSql(readOnly), connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The statement that puts a connection in a pool's mode after <c>DISCARD ALL</c> restored the mode of its login.</summary>
    internal static string ModeSql(bool readOnly) =>
        readOnly ? "SET default_transaction_read_only = on" : "SET default_transaction_read_only = off";

    // Plugin SQL may have changed its session (settings, advisory locks): DISCARD ALL puts it back as it
    // was at login, then a connection lent from its sibling pool is put back in its pool's read-only mode,
    // before anyone else gets it. If that fails, it is closed.
    private async Task ResetAsync(BudgetedConnection lease)
    {
        Interlocked.Increment(ref _resetRoundTrips);
        try
        {
            await using var batch = new NpgsqlBatch(lease.Connection) { Timeout = 5 };
            // DISCARD ALL may not follow another command before a Sync, but it commits at once, so the SET may follow it.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DISCARD ALL"));
            if (lease.ModeRestoreSql is { } mode)
                batch.BatchCommands.Add(new NpgsqlBatchCommand(mode));
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            await CloseLeaseAsync(lease).ConfigureAwait(false);
            return;
        }
        MakeIdle(lease);
    }

    private void MakeIdle(BudgetedConnection lease)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _inUse--;
                if (lease.PluginShare)
                    _pluginShareInUse--;
                _idle.AddLast(new IdleConnection(lease.Pool, lease.Connection, _clock.GetUtcNow(), lease.Streak, lease.LoginReadOnly));
                Pump();
                return;
            }
        }
        _ = CloseLeaseAsync(lease);
    }

    private async Task CloseLeaseAsync(BudgetedConnection lease)
    {
        await CloseQuietlyAsync(lease.Connection).ConfigureAwait(false);
        lock (_gate)
        {
            _inUse--;
            if (lease.PluginShare)
                _pluginShareInUse--;
            _open--;
            if (lease.Pool.Plugin is { } plugin)
                AddRole(plugin, -1);
            Pump();
        }
    }

    // A granted demand whose connection failed to open or was closed unused: give its counts back.
    private void Forget(ConnectionDemand demand)
    {
        lock (_gate)
        {
            _inUse--;
            if (demand.PluginShare)
                _pluginShareInUse--;
            _open--;
            if (demand.Pool.Plugin is { } plugin)
                AddRole(plugin, -1);
            Pump();
        }
    }
}
