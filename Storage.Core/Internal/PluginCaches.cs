namespace Storage.Core.Internal;

/// <summary>
/// Drops what this process holds about one plugin: for a schema change the catalog caches (every
/// <see cref="IPluginSchemaObserver"/>); for a purge also the backend's role, pools or open file and
/// every <see cref="IPluginLifecycleObserver"/>'s state (KV, migration set-up, SQL statistics).
/// Dropping is always safe: the next request reads the state again.
/// </summary>
internal sealed class PluginCaches(IPluginDatabase database, IEnumerable<IPluginLifecycleObserver> lifecycleObservers, IEnumerable<IPluginSchemaObserver> schemaObservers)
{
    public async Task DropAsync(PluginId plugin, PluginChange change, CancellationToken cancellationToken)
    {
        if (change == PluginChange.Purge)
        {
            await database.ForgetAsync(plugin).ConfigureAwait(false);
            foreach (var observer in lifecycleObservers)
                await observer.PluginPurgingAsync(plugin, cancellationToken).ConfigureAwait(false);
        }
        foreach (var observer in schemaObservers)
            observer.SchemaChanged(plugin);
    }
}
