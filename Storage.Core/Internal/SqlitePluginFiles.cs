namespace Storage.Core.Internal;

/// <summary>
/// The LRU of open plugin databases: at most <c>MaxOpenPlugins</c> entries hold SQLite handles at
/// once. A request takes a lease on its plugin's entry for as long as it holds a connection; opening
/// a plugin beyond the maximum closes the least recently used entry without a lease, or waits for one
/// (never closing a plugin with a request in flight). Entries idle past <c>IdleCloseSeconds</c> close
/// on a timer. An entry being closed still counts until its handles are gone, so the bound holds.
/// </summary>
internal sealed class SqlitePluginFiles : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PluginId, SqlitePluginFile> _open = new();
    private readonly LinkedList<SqlitePluginFile> _idle = new(); // least recently used first
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private readonly TimeProvider _clock;
    private readonly TimeSpan _idleClose;
    private readonly TimeSpan _wait;
    private readonly int _maxConnections;
    private readonly ITimer _timer;
    private int _closing;

    public SqlitePluginFiles(int maxOpen, int maxConnections, TimeSpan idleClose, TimeSpan wait, TimeProvider clock)
    {
        MaxOpen = maxOpen;
        _maxConnections = maxConnections;
        _idleClose = idleClose;
        _wait = wait;
        _clock = clock;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, idleClose.Ticks / 4));
        _timer = clock.CreateTimer(_ => CloseIdle(), null, period, period);
    }

    public int MaxOpen { get; }

    /// <summary>Entries holding handles now (open or being closed).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _open.Count + _closing;
        }
    }

    /// <summary>
    /// A lease on the plugin's entry, opening it if needed. <paramref name="visit"/>: a background visit
    /// (the TTL sweep); an entry it opens closes as soon as its last lease ends.
    /// </summary>
    public async Task<SqlitePluginFile> EnterAsync(PluginId plugin, bool visit, CancellationToken cancellationToken)
    {
        // Most requests find their plugin open: they take their lease without the timer a wait needs.
        lock (_gate)
        {
            if (_open.TryGetValue(plugin, out var open))
                return Lease(open);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_wait);
        while (true)
        {
            SqlitePluginFile? evicted = null;
            TaskCompletionSource? waiter = null;
            lock (_gate)
            {
                if (_open.TryGetValue(plugin, out var entry) || TryMakeRoom(out evicted))
                {
                    if (entry is null && evicted is null)
                    {
                        entry = new SqlitePluginFile(plugin, _maxConnections) { CloseWhenIdle = visit };
                        _open.Add(plugin, entry);
                    }
                    if (entry is not null)
                        return Lease(entry);
                }
                else
                {
                    waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.AddLast(waiter);
                }
            }
            if (evicted is not null)
            {
                // Its handles close before the slot is reused, so the bound holds even for a moment.
                CloseEvicted(evicted);
                continue;
            }
            try
            {
                await waiter!.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lock (_gate)
                    _waiters.Remove(waiter!);
                throw new StorageException(StorageErrorCode.Unavailable,
                    $"All {MaxOpen} open plugin databases are busy (Storage:Sqlite:MaxOpenPlugins); retry later.",
                    new Dictionary<string, object?> { ["limit"] = MaxOpen, ["setting"] = "Storage:Sqlite:MaxOpenPlugins" });
            }
        }
    }

    // Under the lock.
    private SqlitePluginFile Lease(SqlitePluginFile entry)
    {
        if (entry.IdleNode is { } node)
        {
            _idle.Remove(node);
            entry.IdleNode = null;
        }
        entry.Leases++;
        return entry;
    }

    /// <summary>Ends a lease; the entry becomes the most recently used idle one, or closes if only a visit opened it.</summary>
    public void Exit(SqlitePluginFile entry)
    {
        var close = false;
        lock (_gate)
        {
            entry.Leases--;
            entry.LastUsed = _clock.GetTimestamp();
            if (entry.Leases > 0 || !_open.TryGetValue(entry.Plugin, out var current) || current != entry)
                return;
            if (entry.CloseWhenIdle)
            {
                _open.Remove(entry.Plugin);
                _closing++;
                close = true;
            }
            else
            {
                entry.IdleNode = _idle.AddLast(entry);
            }
            WakeAll();
        }
        if (close)
            CloseEvicted(entry);
    }

    /// <summary>Closes the plugin's entry now (a purge); connections still rented close when returned.</summary>
    public void Forget(PluginId plugin)
    {
        SqlitePluginFile? entry;
        lock (_gate)
        {
            if (!_open.Remove(plugin, out entry))
                return;
            if (entry.IdleNode is { } node)
                _idle.Remove(node);
            entry.IdleNode = null;
            WakeAll();
        }
        entry.Close();
    }

    /// <summary>Closes entries idle for longer than the idle lifetime.</summary>
    public void CloseIdle()
    {
        var expired = new List<SqlitePluginFile>();
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            while (_idle.First is { } first && _clock.GetElapsedTime(first.Value.LastUsed, now) >= _idleClose)
            {
                _idle.RemoveFirst();
                first.Value.IdleNode = null;
                _open.Remove(first.Value.Plugin);
                _closing++;
                expired.Add(first.Value);
            }
        }
        foreach (var entry in expired)
            CloseEvicted(entry);
    }

    public void Dispose()
    {
        _timer.Dispose();
        List<SqlitePluginFile> all;
        lock (_gate)
        {
            all = [.. _open.Values];
            _open.Clear();
            _idle.Clear();
        }
        foreach (var entry in all)
            entry.Close();
    }

    // Under the lock: true with no victim when a slot is free; true with the least recently used idle
    // entry (taken out, counted as closing) when it must be closed first; false when every entry is busy.
    private bool TryMakeRoom(out SqlitePluginFile? evicted)
    {
        evicted = null;
        if (_open.Count + _closing < MaxOpen)
            return true;
        if (_idle.First is not { } first)
            return false;
        _idle.RemoveFirst();
        first.Value.IdleNode = null;
        _open.Remove(first.Value.Plugin);
        _closing++;
        evicted = first.Value;
        return true;
    }

    private void CloseEvicted(SqlitePluginFile entry)
    {
        try
        {
            entry.Close();
        }
        finally
        {
            lock (_gate)
            {
                _closing--;
                WakeAll();
            }
        }
    }

    // Every waiter retries: one woken for a slot another caller took first would otherwise sleep to its timeout.
    private void WakeAll()
    {
        while (_waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            first.Value.TrySetResult();
        }
    }
}
