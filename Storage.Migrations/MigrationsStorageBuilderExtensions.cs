using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Core;
using Storage.Migrations.Internal;

namespace Storage.Migrations;

/// <summary>Registration of the migrations tier.</summary>
public static class MigrationsStorageBuilderExtensions
{
    /// <summary>Adds <see cref="IMigrator"/>.</summary>
    public static IStorageBuilder AddMigrations(this IStorageBuilder builder, Action<MigrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<MigrationOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);
        builder.Services.TryAddSingleton<PostgresMigrationSetup>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginLifecycleObserver, PostgresMigrationSetup>(sp => sp.GetRequiredService<PostgresMigrationSetup>()));
        builder.Services.TryAddSingleton<IMigrator, Migrator>();
        return builder;
    }

    /// <summary>Adds the migrations tier with options bound from <paramref name="section"/> (the <c>Migrations</c> section).</summary>
    public static IStorageBuilder AddMigrations(this IStorageBuilder builder, IConfiguration section)
    {
        builder.AddMigrations();
        builder.Services.AddOptions<MigrationOptions>().Bind(section);
        return builder;
    }
}
