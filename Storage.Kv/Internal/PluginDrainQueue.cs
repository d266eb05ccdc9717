namespace Storage.Kv.Internal;

/// <summary>
/// The queue behind one plugin's KV writer or reader: the first item queued starts a single drain;
/// once the drain finds the queue empty the queue retires (its owner tells the engine to forget it) and
/// refuses further items, so the caller takes a new owner. Nothing is held while nothing is queued.
/// </summary>
internal sealed class PluginDrainQueue<T>(Func<Task> drain, Action retire)
{
    private readonly Lock _gate = new();
    private readonly Queue<T> _queue = new();
    private Task _drain = Task.CompletedTask;
    private bool _draining;
    private bool _retired;

    /// <summary>Completes when the drain started last has finished.</summary>
    public Task Drained
    {
        get
        {
            lock (_gate)
                return _drain;
        }
    }

    /// <summary>Queues <paramref name="item"/>, starting the drain if none runs; false once retired.</summary>
    public bool TryEnqueue(T item)
    {
        lock (_gate)
        {
            if (_retired)
                return false;
            _queue.Enqueue(item);
            if (!_draining)
            {
                _draining = true;
                _drain = Task.Run(drain, CancellationToken.None);
            }
            return true;
        }
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> items into <paramref name="batch"/>, passing those <paramref name="skip"/>
    /// settles itself; false (and retired) when the queue held nothing else.
    /// </summary>
    public bool TryTake(List<T> batch, int max, Func<T, bool>? skip = null)
    {
        lock (_gate)
        {
            while (batch.Count < max && _queue.TryDequeue(out var item))
            {
                if (skip?.Invoke(item) != true)
                    batch.Add(item);
            }
            return batch.Count > 0 || !RetireIfEmptyLocked();
        }
    }

    /// <summary>Retires the queue when nothing is queued: true when it did (the drain's last batch is done).</summary>
    public bool RetireIfEmpty()
    {
        lock (_gate)
            return RetireIfEmptyLocked();
    }

    private bool RetireIfEmptyLocked()
    {
        if (_queue.Count > 0)
            return false;
        _retired = true;
        retire();
        return true;
    }
}
