using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Core;
using Storage.Rows.Internal;

namespace Storage.Rows;

/// <summary>Registration of the row tier.</summary>
public static class RowsStorageBuilderExtensions
{
    /// <summary>Adds <see cref="IRowStore"/> and its catalog cache, which listens for schema changes.</summary>
    public static IStorageBuilder AddRows(this IStorageBuilder builder)
    {
        builder.Services.TryAddSingleton<RowCatalog>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginSchemaObserver, RowCatalog>(sp => sp.GetRequiredService<RowCatalog>()));
        builder.Services.TryAddSingleton<IRowStore, RowStore>();
        builder.Services.TryAddSingleton<IRowInspector, RowInspector>();
        return builder;
    }
}
