namespace Storage.Core.Internal;

/// <summary>
/// Who comes first when a refused request comes back. A request refused with UNAVAILABLE is retried by
/// its plugin after <c>retry_after_ms</c>, but nothing in a NATS request tells a retry from a new one;
/// without a memory, a plugin refused early would compete with every later newcomer at each return, and
/// with hundreds of plugins some would be refused for minutes while later ones got through. So the
/// budget remembers, per plugin, since when it has been refused without being served, and queues its
/// requests by that time: a plugin refused earlier goes ahead of those that came later, and only the
/// waiters ahead of it count in the wait it is told to expect.
/// </summary>
internal sealed partial class ConnectionBudget
{
    // Bounded whatever the number of plugins; a plugin that never comes back is forgotten after a while.
    private const int MaxRememberedRefusals = 10_000;
    private static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(5);

    private readonly Dictionary<PluginId, DateTimeOffset> _refusedSince = new();

    // Must be called under _gate: the earliest time since which a plugin of the demands has been refused.
    private DateTimeOffset Priority(ConnectionDemand[] demands, DateTimeOffset now)
    {
        var priority = now;
        foreach (var demand in demands)
            if (demand.Pool.Plugin is { } plugin && _refusedSince.TryGetValue(plugin, out var since) && since < priority)
                priority = since;
        return priority;
    }

    // Must be called under _gate, when a request is refused: it keeps the earliest time.
    private void RememberRefusal(ConnectionDemand[] demands, DateTimeOffset since)
    {
        foreach (var demand in demands)
        {
            if (demand.Pool.Plugin is not { } plugin)
                continue;
            if (_refusedSince.TryGetValue(plugin, out var known))
                _refusedSince[plugin] = known < since ? known : since;
            else if (_refusedSince.Count < MaxRememberedRefusals)
                _refusedSince[plugin] = since;
        }
    }

    // Must be called under _gate, when demands are granted: their plugins are being served.
    private void ForgetRefusals(ConnectionDemand[] demands)
    {
        if (_refusedSince.Count == 0)
            return;
        foreach (var demand in demands)
            if (demand.Pool.Plugin is { } plugin)
                _refusedSince.Remove(plugin);
    }

    // Must be called under _gate, by the idle pruner.
    private void ForgetOldRefusals(DateTimeOffset now)
    {
        foreach (var (plugin, since) in _refusedSince)
            if (now - since > RefusalMemory)
                _refusedSince.Remove(plugin);
    }

    // Must be called under _gate: behind every waiter of the same or an earlier priority, ahead of later ones.
    private LinkedListNode<Waiter> Enqueue(Waiter waiter)
    {
        for (var node = _waiters.Last; node is not null; node = node.Previous)
            if (node.Value.Priority <= waiter.Priority)
                return _waiters.AddAfter(node, waiter);
        return _waiters.AddFirst(waiter);
    }

    // Must be called under _gate, after a request queued ahead of others: the last waiters, now expected
    // to wait past ConnectionWaitMs, are refused at once (and remembered, so they come back ahead)
    // rather than holding a processing slot until they time out.
    private void DisplaceOverflow(Waiter newcomer)
    {
        var competing = _waiters.Count(Competes);
        while (_waiters.Last is { } last && last.Value != newcomer && Competes(last.Value) && _grantInterval * competing > _limits.Wait)
        {
            _waiters.RemoveLast();
            RememberRefusal(last.Value.Demands, last.Value.Priority);
            last.Value.Completion.TrySetException(Shed(_grantInterval * competing, competing - 1));
            competing--;
        }
    }

    // Must be called under _gate: how many waiters a request of this priority would queue behind. Only
    // waiters that compete for the plugins' share count: a plugin waiting at its own cap is served by
    // its own connections coming back (Pump holds back only that plugin's later waiters), so however
    // many requests one plugin has queued, another plugin is not refused on their account.
    private int WaitersAhead(DateTimeOffset priority)
    {
        var ahead = 0;
        foreach (var waiter in _waiters)
            if (waiter.Priority <= priority && Competes(waiter))
                ahead++;
        return ahead;
    }

    // Must be called under _gate.
    private bool Competes(Waiter waiter) => waiter.NeedsShare && !AtOwnCap(waiter.Demands);
}
