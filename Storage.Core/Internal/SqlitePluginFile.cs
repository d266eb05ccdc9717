using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Core.Internal;

/// <summary>
/// One open plugin database in <see cref="SqlitePluginFiles"/>: every SQLite connection the process
/// has on the plugin's file (service, KV, plugin reads/writes/migrations) is rented from here, at
/// most <c>MaxConnectionsPerPlugin</c> at once, idle ones kept per kind for reuse. Closing the entry
/// closes them all, and with the last one SQLite closes the <c>-wal</c> and <c>-shm</c> handles too.
/// A connection comes back only in a clean state (no open transaction, no progress handler, the
/// authorizer's flags reset); otherwise, or after the entry closed, it is closed on return.
/// </summary>
internal sealed partial class SqlitePluginFile(PluginId plugin, int maxConnections)
{
    private readonly Lock _gate = new();
    private readonly Stack<Pooled>[] _idle = [new(), new(), new(), new()];
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly Dictionary<Type, object> _tierState = [];
    private int _open;
    private bool _closed;
    private Lazy<Task>? _prepared;

    public PluginId Plugin { get; } = plugin;

    // Guarded by SqlitePluginFiles' lock: requests holding connections, LRU position, last use, visit-only.
    internal int Leases { get; set; }

    internal LinkedListNode<SqlitePluginFile>? IdleNode { get; set; }

    internal long LastUsed { get; set; }

    internal bool CloseWhenIdle { get; set; }

    /// <summary>A tier's state for this opening of the file (not for one connection), created on first use; it goes with the entry.</summary>
    public T State<T>(Func<T> create) where T : class
    {
        lock (_gate)
        {
            if (!_tierState.TryGetValue(typeof(T), out var state))
                _tierState[typeof(T)] = state = create();
            return (T)state;
        }
    }

    /// <summary>Runs <paramref name="prepare"/> (create the file, set WAL) once per opening of the entry; a failure is retried by the next caller.</summary>
    public async Task PrepareAsync(Func<Task> prepare)
    {
        Lazy<Task> run;
        lock (_gate)
        {
            if (_prepared is not { IsValueCreated: true, Value.IsFaulted: true } && _prepared is not { IsValueCreated: true, Value.IsCanceled: true })
                _prepared ??= new Lazy<Task>(prepare);
            else
                _prepared = new Lazy<Task>(prepare);
            run = _prepared;
        }
        // Started outside the lock: preparing rents a connection from this entry.
        await run.Value.ConfigureAwait(false);
    }

    /// <summary>
    /// An idle connection of <paramref name="kind"/>, or a new one from <paramref name="open"/> within the
    /// per-plugin cap; at the cap it waits (up to <paramref name="wait"/>, first come first served) for a
    /// connection handed over by <see cref="Return"/> (see <c>SqlitePluginFile.Waiters.cs</c>).
    /// </summary>
    public async Task<Pooled> RentAsync(ConnectionKind kind, Func<Task<Pooled>> open, TimeSpan wait, CancellationToken cancellationToken)
    {
        Pooled? victim = null;
        Waiter? waiter = null;
        lock (_gate)
        {
            if (_closed)
                throw Closed();
            if (_waiters.Count == 0 && kind != ConnectionKind.Schema && _idle[(int)kind].TryPop(out var idle))
                return idle;
            if (_waiters.Count == 0 && (_open < maxConnections || TryTakeAnyIdle(out victim)))
            {
                if (victim is null)
                    _open++;
            }
            else
            {
                waiter = new Waiter(kind);
                waiter.Node = _waiters.AddLast(waiter);
            }
        }
        if (waiter is not null)
        {
            var grant = await WaitAsync(waiter, wait, cancellationToken).ConfigureAwait(false);
            if (grant.Connection is { } handed && handed.Kind == kind && kind != ConnectionKind.Schema)
                return handed;
            // A permit: freed by a closed connection, or the one a connection of another kind held.
            victim = grant.Connection;
        }
        victim?.Dispose();
        try
        {
            return await open().ConfigureAwait(false);
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>Takes a rented connection back: to the longest waiter, or idle; closed when it is not clean or the entry closed.</summary>
    public void Return(Pooled pooled)
    {
        var keep = pooled.Kind != ConnectionKind.Schema && IsClean(pooled);
        lock (_gate)
        {
            if (keep && !_closed)
            {
                if (!TryHandOver(pooled))
                    _idle[(int)pooled.Kind].Push(pooled);
                return;
            }
        }
        pooled.Dispose();
        Release();
    }

    /// <summary>Closes every idle connection; connections still rented close when they come back.</summary>
    public void Close()
    {
        var idle = new List<Pooled>();
        lock (_gate)
        {
            _closed = true;
            foreach (var stack in _idle)
            {
                idle.AddRange(stack);
                _open -= stack.Count;
                stack.Clear();
            }
            // Waiters hold no permit yet: each learns that the entry closed.
            while (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                first.Value.Node = null;
                first.Value.Granted.TrySetException(Closed());
            }
        }
        foreach (var pooled in idle)
            pooled.Dispose();
    }

    // A connection closed: its permit goes to the longest waiter, or back to the count.
    private void Release()
    {
        lock (_gate)
        {
            if (_closed || !TryHandOver(null))
                _open--;
        }
    }

    private bool TryTakeAnyIdle(out Pooled? victim)
    {
        foreach (var stack in _idle)
            if (stack.TryPop(out victim))
                return true;
        victim = null;
        return false;
    }

    private static bool IsClean(Pooled pooled)
    {
        if (pooled.Connection.State != System.Data.ConnectionState.Open)
            return false;
        var handle = pooled.Connection.Handle!;
        if (raw.sqlite3_get_autocommit(handle) == 0)
            return false;
        if (pooled.Authorizer is { } authorizer)
        {
            raw.sqlite3_progress_handler(handle, 0, null, null);
            authorizer.Reset();
        }
        return true;
    }

    /// <summary>What a connection is for: service connections and plugin connections per access are never mixed up.</summary>
    internal enum ConnectionKind
    {
        Service,
        Read,
        Write,
        Schema,
    }

    /// <summary>An open connection, the authorizer that must live as long as it, and a tier's state kept with it (prepared commands).</summary>
    internal sealed class Pooled(SqliteConnection connection, SqliteAuthorizer? authorizer, ConnectionKind kind) : IDisposable
    {
        public SqliteConnection Connection { get; } = connection;

        public SqliteAuthorizer? Authorizer { get; } = authorizer;

        public ConnectionKind Kind { get; } = kind;

        public IDisposable? State { get; set; }

        public void Dispose()
        {
            State?.Dispose();
            Connection.Dispose();
        }
    }
}
