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

    /// <summary>
    /// Deletes the tier's own rows about the plugin in the service's tables, inside the purge's transaction
    /// on <paramref name="service"/> (PostgreSQL only: on SQLite they go with the plugin's file), so they
    /// disappear together with the plugin's schema and role or not at all. A tier owns its tables and
    /// their purge; Core names none of them. The default deletes nothing.
    /// </summary>
    ValueTask DeletePluginRowsAsync(PluginConnection service, System.Data.Common.DbTransaction transaction, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;
}
