namespace Storage.Core.Internal;

/// <summary>
/// Requests waiting for one of the plugin's connections. A connection coming back, or the permit of one
/// that closed, is handed straight to one waiter, which wakes owning it: no other waiter wakes, and nobody
/// who arrives later can take it first. (Waking every waiter to race for it cost a wake-up of each of
/// ~60 waiting searches per search at 64 in flight.)
/// </summary>
internal sealed partial class SqlitePluginFile
{
    /// <summary>Requests waiting now (for tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate)
                return _waiters.Count;
        }
    }

    /// <summary>Connections open or being opened now, rented and idle (for tests).</summary>
    internal int Open
    {
        get
        {
            lock (_gate)
                return _open;
        }
    }

    /// <summary>
    /// Under the lock. A connection goes to the longest waiter of its kind; the longest waiter of all gets it
    /// instead (to close it and open one of its own kind) when none wants that kind, or when it has already
    /// watched as many connections as the plugin may hold go to later waiters, so no kind waits forever. A
    /// permit (<paramref name="connection"/> null) goes to the longest waiter. False when nobody waits.
    /// </summary>
    private bool TryHandOver(Pooled? connection)
    {
        if (_waiters.First is not { } head)
            return false;
        var chosen = head;
        if (connection is not null && head.Value.Kind != connection.Kind && head.Value.PassedOver < maxConnections)
        {
            for (var node = head.Next; node is not null; node = node.Next)
            {
                if (node.Value.Kind == connection.Kind)
                {
                    chosen = node;
                    break;
                }
            }
            for (var node = head; node != chosen; node = node.Next!)
                node.Value.PassedOver++;
        }
        _waiters.Remove(chosen);
        chosen.Value.Node = null;
        chosen.Value.Granted.TrySetResult(new Grant(connection));
        return true;
    }

    /// <summary>
    /// Waits for a hand-over. A waiter that is cancelled or times out leaves the queue; if a connection or
    /// permit reached it just as it gave up, it passes it on, so nothing is lost to a request that left.
    /// </summary>
    private async Task<Grant> WaitAsync(Waiter waiter, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            return await waiter.Granted.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Grant? granted = null;
            lock (_gate)
            {
                if (waiter.Node is { } node)
                {
                    _waiters.Remove(node);
                    waiter.Node = null;
                }
                else if (waiter.Granted.Task.IsCompletedSuccessfully)
                {
                    // Completed under this lock when it left the queue, so its outcome is known here.
                    granted = waiter.Granted.Task.Result;
                }
            }
            if (granted?.Connection is { } connection)
                Return(connection);
            else if (granted is not null)
                Release();
            if (cancellationToken.IsCancellationRequested)
                throw;
            throw new StorageException(StorageErrorCode.Unavailable,
                $"Plugin '{Plugin}' has {maxConnections} database connections in use (Storage:Sqlite:MaxConnectionsPerPlugin); retry later.",
                new Dictionary<string, object?> { ["limit"] = maxConnections, ["setting"] = "Storage:Sqlite:MaxConnectionsPerPlugin" });
        }
    }

    private StorageException Closed() =>
        new(StorageErrorCode.Unavailable, $"The database of plugin '{Plugin}' was just closed (purged); retry.");

    /// <summary>What a waiter receives: a connection (its own kind to use, another kind to close) or, when null, a permit to open one.</summary>
    private readonly record struct Grant(Pooled? Connection);

    /// <summary>One waiting request; <see cref="Node"/> is null once it left the queue (granted, closed or given up).</summary>
    private sealed class Waiter(ConnectionKind kind)
    {
        public ConnectionKind Kind { get; } = kind;

        public TaskCompletionSource<Grant> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public int PassedOver { get; set; }
    }
}
