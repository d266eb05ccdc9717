namespace Storage.Core;

/// <summary>
/// Makes a committed change of a plugin visible to every service instance: this one drops its
/// cached state at once (through every <see cref="IPluginSchemaObserver"/> and, for a purge, every
/// <see cref="IPluginLifecycleObserver"/> and the backend's own caches); on PostgreSQL the other
/// hosts sharing the database learn of it from <c>_storage.plugin_changes</c>, recorded in the
/// change's own transaction, and this call waits (at most <c>Storage:Postgres:CacheSyncWaitMs</c>)
/// until each of them has dropped its caches too, so a request to any host right after sees the change.
/// </summary>
public interface IPluginChangeNotifier
{
    /// <summary>Call after the change committed. Never throws for a host that is slow or gone: it logs and returns.</summary>
    Task ChangedAsync(PluginId plugin, PluginChange change, CancellationToken cancellationToken);
}
