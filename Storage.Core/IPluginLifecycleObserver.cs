namespace Storage.Core;

/// <summary>
/// Told when all of a plugin's data is about to be deleted (an admin purge), so a tier holding
/// per-plugin state (open connections, prepared tables, catalog caches) releases it. Register
/// implementations as singletons with <c>TryAddEnumerable</c>; the purge calls every one of them
/// before the data is deleted and again after, so state recreated in between is dropped as well;
/// each other host sharing the database calls them once when it learns of the purge.
/// </summary>
public interface IPluginLifecycleObserver
{
    /// <summary>Releases everything held for <paramref name="plugin"/>; must not throw for a plugin it never saw.</summary>
    ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken);
}
