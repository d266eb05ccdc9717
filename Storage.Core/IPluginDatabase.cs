namespace Storage.Core;

/// <summary>
/// The backend abstraction every tier works through: it hands out connections scoped to one
/// plugin's schema (PostgreSQL) or file (SQLite), creating them on first use.
/// </summary>
public interface IPluginDatabase
{
    /// <summary>The backend in use.</summary>
    StorageProvider Provider { get; }

    /// <summary>
    /// Opens a connection with the service's own privileges, for service-written SQL on the service's
    /// own bookkeeping and the catalogs. It must never read or write an object the plugin owns or can
    /// alter (its tables, views, functions): that runs on <see cref="OpenPluginAsync"/>. On PostgreSQL
    /// its search_path is <c>pg_catalog</c> only, so every other name is schema-qualified.
    /// Raises <see cref="StorageErrorCode.Unavailable"/> when the database cannot be reached.
    /// </summary>
    ValueTask<PluginConnection> OpenServiceAsync(PluginId plugin, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a connection that runs with the plugin's privileges only, for plugin-written SQL:
    /// on PostgreSQL its session user is the plugin's role, on SQLite an authorizer confines it
    /// to the plugin's file and refuses the service's <c>_storage_</c> tables.
    /// Raises <see cref="StorageErrorCode.Unavailable"/> when the database cannot be reached.
    /// </summary>
    ValueTask<PluginConnection> OpenPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a short background visit (the TTL sweep) for as long as the returned scope lives: on
    /// SQLite a plugin database the visit had to open is closed when the scope ends, so visiting
    /// every plugin keeps no file open; one already open stays open. Nothing on PostgreSQL.
    /// Raises <see cref="StorageErrorCode.Unavailable"/> when no database slot frees up in time.
    /// </summary>
    ValueTask<IAsyncDisposable> VisitAsync(PluginId plugin, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a service connection and a plugin connection together, for work that needs both at once
    /// (a migration). On PostgreSQL both come from the connection budget in one grant, so no caller
    /// holds one connection while waiting for another. Raises <see cref="StorageErrorCode.Unavailable"/>
    /// when the database cannot be reached or no connection became free in time.
    /// </summary>
    async ValueTask<(PluginConnection Service, PluginConnection Plugin)> OpenServiceAndPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken)
    {
        var service = await OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        try
        {
            return (service, await OpenPluginAsync(plugin, access, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Checks that the database can be used at all (PostgreSQL answers the service's connection;
    /// the SQLite directory is writable), for a fail-fast start. Raises
    /// <see cref="StorageErrorCode.Unavailable"/> with the reason when it cannot.
    /// </summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>Plugins that have storage (a schema or a file), sorted by name.</summary>
    Task<IReadOnlyList<PluginId>> ListPluginsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Bytes the plugin's storage takes on disk: the SQLite file with its <c>-wal</c> and <c>-shm</c>
    /// files, or the sum of <c>pg_total_relation_size</c> over the relations in the plugin's schema plus
    /// its KV rows. A relation the plugin holds locked is not waited for: it is listed in
    /// <see cref="PluginSize.Unmeasured"/> and left out of the bytes.
    /// </summary>
    Task<PluginSize> MeasureAsync(PluginId plugin, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes everything the plugin has (SQLite: its files; PostgreSQL: its schema, role, registry row and,
    /// through the tiers, the service's rows about it) and forgets what this instance cached about it, so the next use
    /// starts from scratch. Callers first let every <see cref="IPluginLifecycleObserver"/> release
    /// its connections; on PostgreSQL each of <paramref name="owners"/> deletes its own service rows about the
    /// plugin in the same transaction (<see cref="IPluginLifecycleObserver.DeletePluginRowsAsync"/>).
    /// Returns whether there was anything to delete.
    /// </summary>
    Task<bool> PurgeAsync(PluginId plugin, IEnumerable<IPluginLifecycleObserver> owners, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets what this instance cached about the plugin (PostgreSQL: its role and pooled connections;
    /// SQLite: its open file) without deleting anything, because another host purged it.
    /// </summary>
    ValueTask ForgetAsync(PluginId plugin);
}
