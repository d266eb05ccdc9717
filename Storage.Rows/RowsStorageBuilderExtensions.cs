using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Core;
using Storage.Rows.Internal;

namespace Storage.Rows;

/// <summary>Registration of the row tier.</summary>
public static class RowsStorageBuilderExtensions
{
    /// <summary>Adds <see cref="IRowStore"/> and its catalog cache, which listens for schema changes; options are validated at start.</summary>
    public static IStorageBuilder AddRows(this IStorageBuilder builder, Action<RowsOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<RowsOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);
        builder.Services.TryAddSingleton<RowCatalog>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginSchemaObserver, RowCatalog>(sp => sp.GetRequiredService<RowCatalog>()));
        builder.Services.TryAddSingleton<IRowStore, RowStore>();
        builder.Services.TryAddSingleton<IRowInspector, RowInspector>();
        return builder;
    }

    /// <summary>Adds the row tier with options bound from <paramref name="section"/> (the <c>Rows</c> section).</summary>
    public static IStorageBuilder AddRows(this IStorageBuilder builder, IConfiguration section)
    {
        builder.AddRows();
        builder.Services.AddOptions<RowsOptions>().Bind(section);
        return builder;
    }
}
