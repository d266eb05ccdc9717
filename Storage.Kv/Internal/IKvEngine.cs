using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// The storage engine behind <see cref="KvStore"/>, one per backend: SQLite runs one writer per
/// plugin file that commits queued writes in batches; PostgreSQL coalesces concurrent writes of all
/// plugins into one transaction (group commit). Either way a write completes only after its commit.
/// As a lifecycle observer it drops what it holds for a plugin being purged.
/// </summary>
internal interface IKvEngine : IAsyncDisposable, IDisposable, IPluginLifecycleObserver
{
    Task<KvWriteResult> WriteAsync(PluginId plugin, KvWrite write, CancellationToken cancellationToken);

    Task<KvEntry?> GetAsync(PluginId plugin, string key, long now, CancellationToken cancellationToken);

    Task<List<string>> ListAsync(PluginId plugin, KvKeyRange range, CancellationToken cancellationToken);

    Task<int> SweepAsync(PluginId plugin, long now, CancellationToken cancellationToken);
}
