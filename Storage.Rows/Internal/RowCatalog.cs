using Microsoft.Extensions.Options;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;

namespace Storage.Rows.Internal;

/// <summary>
/// The cached catalog of every plugin's tables. Dropped when the migrations tier reports a schema
/// change, and reloaded once when a request names a table the cache does not know (a table created
/// since), so a name only ever resolves to a table that really is the plugin's.
/// </summary>
internal sealed class RowCatalog(IPluginDatabase database, IOptions<StorageOptions> storage, IOptions<RowsOptions> rows) : IPluginSchemaObserver
{
    private readonly AsyncOnce<PluginId, Dictionary<string, TableInfo>> _cache = new(storage.Value.MaxCachedPlugins,
        tables => tables.Values.Sum(t => 1L + t.Columns.Count), rows.Value.MaxCachedColumns);

    public void SchemaChanged(PluginId plugin) => _cache.Forget(plugin);

    /// <summary>Plugins whose catalog is kept (tests).</summary>
    internal int CachedPlugins => _cache.Count;

    /// <summary>The table named by a request; NOT_FOUND when the plugin has no such table.</summary>
    public async Task<TableInfo> TableAsync(PluginId plugin, string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
            throw StorageException.InvalidField("table", "Field 'table' is required (the name of one of the plugin's tables).");
        var tables = await LoadAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (tables.TryGetValue(name, out var table))
            return table;
        SchemaChanged(plugin);
        tables = await LoadAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (tables.TryGetValue(name, out table))
            return table;
        var suggestion = Suggest.Closest(name, tables.Keys);
        throw new StorageException(StorageErrorCode.NotFound, $"Table '{TableInfo.Shorten(name)}' does not exist in plugin '{plugin}'.{Suggest.Hint(suggestion)}",
            Suggest.With(new Dictionary<string, object?> { ["field"] = "table", ["table"] = TableInfo.Shorten(name) }, suggestion));
    }

    /// <summary>Every table of the plugin, read afresh (an inspector must not miss a table created since).</summary>
    public async Task<IReadOnlyList<TableInfo>> TablesAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        SchemaChanged(plugin);
        var tables = await LoadAsync(plugin, cancellationToken).ConfigureAwait(false);
        return tables.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Forgets the cached table when the database says it is gone or changed, so the next request reloads.</summary>
    public void Invalidate(PluginId plugin) => SchemaChanged(plugin);

    private Task<Dictionary<string, TableInfo>> LoadAsync(PluginId plugin, CancellationToken cancellationToken) =>
        _cache.GetAsync(plugin, ReadAsync, cancellationToken);

    private Task<Dictionary<string, TableInfo>> ReadAsync(PluginId plugin) =>
        ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenServiceAsync(plugin, CancellationToken.None).ConfigureAwait(false);
            return await CatalogReader.ReadAsync(connection, CancellationToken.None).ConfigureAwait(false);
        });
}
