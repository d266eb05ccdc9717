namespace Storage.Core.Internal;

/// <summary>This host drops its caches at once; on PostgreSQL the call then waits for the other hosts' listeners.</summary>
internal sealed class PluginChangeNotifier(PluginCaches caches, PostgresChangeListener listener) : IPluginChangeNotifier
{
    public async Task ChangedAsync(PluginId plugin, PluginChange change, CancellationToken cancellationToken)
    {
        await caches.DropAsync(plugin, change, cancellationToken).ConfigureAwait(false);
        await listener.WaitForPeersAsync().ConfigureAwait(false);
    }
}
