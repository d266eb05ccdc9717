using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Core;

namespace Storage.Admin;

/// <summary>Registration of the admin library: inspector, purge, export and import over every tier.</summary>
public static class AdminStorageBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="AdminService"/>, <see cref="AdminExport"/> and <see cref="AdminImport"/> (needs the KV, row
    /// and migration tiers). The host wires them to <c>db.admin.*</c>; an embedding app or a dev tool calls them directly.
    /// </summary>
    public static IStorageBuilder AddAdmin(this IStorageBuilder builder, Action<AdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<AdminOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<AdminService>();
        builder.Services.TryAddSingleton<AdminExport>();
        builder.Services.TryAddSingleton<AdminImport>();
        return builder;
    }
}
