using System.Collections.Concurrent;

namespace Storage.Core.Providers;

/// <summary>
/// Per-key asynchronous set-up that runs once and is shared by every caller (provisioning a
/// plugin, creating its tables, reading its catalog). A run that fails is forgotten, so the next
/// caller tries again instead of inheriting the failure forever.
/// </summary>
/// <remarks>
/// Bounded, because keys are plugins and plugins are unbounded: at most <c>capacity</c> results are
/// kept, and with a weight function at most <c>maxWeight</c> in all. Past either, the oldest results
/// (in the order they completed) are dropped, so only what can be read again may be cached here; a
/// result heavier than <c>maxWeight</c> alone is handed to its callers and not kept. Lookups take no
/// lock; completing, dropping and forgetting take one.
/// </remarks>
public sealed class AsyncOnce<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Run> _runs = new();
    private readonly LinkedList<Run> _kept = new(); // completed runs, oldest first; also the lock
    private readonly int _capacity;
    private readonly Func<TValue, long>? _weigh;
    private readonly long _maxWeight;
    private readonly Action<TKey, TValue>? _dropped;
    private long _weight;

    /// <param name="capacity">Results kept at most.</param>
    /// <param name="weigh">A result's weight (e.g. a catalog's columns); each weighs 1 without it.</param>
    /// <param name="maxWeight">Total weight kept at most.</param>
    /// <param name="dropped">Called (outside the lock) for a result dropped to stay within the bounds, not for <see cref="Forget"/>.</param>
    public AsyncOnce(int capacity = int.MaxValue, Func<TValue, long>? weigh = null, long maxWeight = long.MaxValue, Action<TKey, TValue>? dropped = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        (_capacity, _weigh, _maxWeight, _dropped) = (capacity, weigh, maxWeight, dropped);
    }

    /// <summary>Results kept now (tests and metrics).</summary>
    public int Count
    {
        get
        {
            lock (_kept)
                return _kept.Count;
        }
    }

    public async Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> create, CancellationToken cancellationToken)
    {
        var run = _runs.GetOrAdd(key, k => new Run(k));
        var task = run.Start(this, create);
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (task.IsFaulted || task.IsCanceled)
        {
            _runs.TryRemove(KeyValuePair.Create(key, run));
            throw;
        }
    }

    /// <summary>Drops the result for <paramref name="key"/>; the next caller runs the set-up again.</summary>
    public void Forget(TKey key)
    {
        if (!_runs.TryRemove(key, out var run))
            return;
        lock (_kept)
            Unkeep(run);
    }

    // Runs after create completed and before any caller sees the value.
    private void Keep(Run run, TValue value)
    {
        List<(TKey, TValue)>? dropped = null;
        lock (_kept)
        {
            // Forgotten while it ran: the callers get the value, the cache does not keep it.
            if (!_runs.TryGetValue(run.Key, out var current) || current != run)
                return;
            run.Weight = _weigh?.Invoke(value) ?? 1;
            if (run.Weight > _maxWeight)
            {
                _runs.TryRemove(KeyValuePair.Create(run.Key, run));
                return;
            }
            run.Value = value;
            run.Node = _kept.AddLast(run);
            _weight += run.Weight;
            while ((_kept.Count > _capacity || _weight > _maxWeight) && _kept.First is { } oldest)
            {
                var drop = oldest.Value;
                Unkeep(drop);
                _runs.TryRemove(KeyValuePair.Create(drop.Key, drop));
                (dropped ??= []).Add((drop.Key, drop.Value!));
            }
        }
        if (_dropped is not null && dropped is not null)
        {
            foreach (var (key, old) in dropped)
                _dropped(key, old);
        }
    }

    // Under the lock.
    private void Unkeep(Run run)
    {
        if (run.Node is null)
            return;
        _kept.Remove(run.Node);
        run.Node = null;
        _weight -= run.Weight;
    }

    private sealed class Run(TKey key)
    {
        private Task<TValue>? _task;

        public TKey Key { get; } = key;

        public LinkedListNode<Run>? Node { get; set; }

        public long Weight { get; set; }

        public TValue? Value { get; set; }

        public Task<TValue> Start(AsyncOnce<TKey, TValue> owner, Func<TKey, Task<TValue>> create)
        {
            if (Volatile.Read(ref _task) is { } started)
                return started;
            var run = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _task, run.Task, null) is { } other)
                return other;
            _ = RunAsync(owner, create, run);
            return run.Task;
        }

        private async Task RunAsync(AsyncOnce<TKey, TValue> owner, Func<TKey, Task<TValue>> create, TaskCompletionSource<TValue> run)
        {
            try
            {
                var value = await create(Key).ConfigureAwait(false);
                owner.Keep(this, value);
                run.SetResult(value);
            }
            catch (OperationCanceledException ex)
            {
                run.SetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                run.SetException(ex);
            }
        }
    }
}
