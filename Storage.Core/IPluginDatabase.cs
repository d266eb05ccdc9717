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
    /// Opens a connection with the service's own privileges, for service-written SQL on the
    /// plugin's bookkeeping and tables. Names must be qualified with <see cref="PluginConnection.Qualify"/>.
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
    /// Checks that the database can be used at all (PostgreSQL answers the service's connection;
    /// the SQLite directory is writable), for a fail-fast start. Raises
    /// <see cref="StorageErrorCode.Unavailable"/> with the reason when it cannot.
    /// </summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>Plugins that have storage (a schema or a file), sorted by name.</summary>
    Task<IReadOnlyList<PluginId>> ListPluginsAsync(CancellationToken cancellationToken);
}
