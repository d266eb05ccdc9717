using System.Collections.Concurrent;

namespace Storage.Core.Providers;

/// <summary>
/// Per-key asynchronous set-up that runs once and is shared by every caller (provisioning a
/// plugin, creating its tables, reading its catalog). A run that fails is forgotten, so the next
/// caller tries again instead of inheriting the failure forever.
/// </summary>
public sealed class AsyncOnce<TKey, TValue>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _runs = new();

    public async Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> create, CancellationToken cancellationToken)
    {
        var lazy = _runs.GetOrAdd(key, k => new Lazy<Task<TValue>>(() => create(k)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            _runs.TryRemove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, lazy));
            throw;
        }
    }

    /// <summary>Drops the result for <paramref name="key"/>; the next caller runs the set-up again.</summary>
    public void Forget(TKey key) => _runs.TryRemove(key, out _);
}
