using Storage.Core;
using Storage.Kv;
using Storage.Rows;

namespace Storage.Admin;

/// <summary>
/// The inspector and purge behind <c>db.admin.*</c>. It authenticates nothing itself: NATS
/// permissions (<c>nats-config</c>) let only the admin user publish to <c>db.admin.&gt;</c>.
/// </summary>
public sealed class AdminService(
    IPluginDatabase database,
    IKvInspector kv,
    IRowInspector rows,
    IEnumerable<IPluginLifecycleObserver> lifecycleObservers,
    IPluginChangeNotifier changes)
{
    public async Task<AdminPluginsResponse> PluginsAsync(CancellationToken cancellationToken)
    {
        var plugins = await database.ListPluginsAsync(cancellationToken).ConfigureAwait(false);
        var sizes = new List<AdminPluginSize>(plugins.Count);
        foreach (var plugin in plugins)
        {
            var size = await database.MeasureAsync(plugin, cancellationToken).ConfigureAwait(false);
            sizes.Add(new AdminPluginSize(plugin.Value, size.Bytes, size.Unmeasured.Count == 0 ? null : size.Unmeasured));
        }
        return new AdminPluginsResponse(sizes);
    }

    public async Task<AdminStorageResponse> StorageAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        await RequireExistingAsync(plugin, cancellationToken).ConfigureAwait(false);
        var tables = await rows.ListTablesAsync(plugin, cancellationToken).ConfigureAwait(false);
        var keys = await kv.CountAsync(plugin, cancellationToken).ConfigureAwait(false);
        var bytes = (await database.MeasureAsync(plugin, cancellationToken).ConfigureAwait(false)).Bytes;
        return new AdminStorageResponse(plugin.Value, database.Provider.WireName(), bytes, keys,
            tables.Select(t => new AdminTableSize(t.Name, t.Rows)).ToList());
    }

    /// <summary>NOT_FOUND for a plugin without storage, so inspecting never creates a plugin's schema or file.</summary>
    public async Task RequireExistingAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var plugins = await database.ListPluginsAsync(cancellationToken).ConfigureAwait(false);
        if (!plugins.Contains(plugin))
            throw new StorageException(StorageErrorCode.NotFound, $"Plugin '{plugin}' has no storage.",
                new Dictionary<string, object?> { ["field"] = "plugin", ["plugin"] = plugin.Value });
    }

    /// <summary>
    /// Deletes all of the plugin's data. Tiers release their connections and caches before the delete
    /// and again after it, so state a concurrent request recreated in between is dropped too; the
    /// reply comes once every other host sharing the database has dropped its state as well.
    /// </summary>
    public async Task<AdminPurgeResponse> PurgeAsync(PluginId plugin, AdminPurgeRequest request, CancellationToken cancellationToken)
    {
        if (request.Confirm is null)
            throw StorageException.InvalidField("confirm", $"Field 'confirm' is required and must be the plugin's name, \"{plugin}\".");
        if (!string.Equals(request.Confirm, plugin.Value, StringComparison.Ordinal))
            throw StorageException.InvalidField("confirm", $"Field 'confirm' must be the plugin's name, \"{plugin}\"; got \"{Shorten(request.Confirm)}\".");
        await ReleaseAsync(plugin, cancellationToken).ConfigureAwait(false);
        var purged = await database.PurgeAsync(plugin, lifecycleObservers, cancellationToken).ConfigureAwait(false);
        // Drops this host's state again (and, on PostgreSQL, waits for every other host to drop theirs).
        await changes.ChangedAsync(plugin, PluginChange.Purge, cancellationToken).ConfigureAwait(false);
        return new AdminPurgeResponse(plugin.Value, purged);
    }

    private async Task ReleaseAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        foreach (var observer in lifecycleObservers)
            await observer.PluginPurgingAsync(plugin, cancellationToken).ConfigureAwait(false);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
