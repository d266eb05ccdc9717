using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Storage.Core.Internal;

namespace Storage.Core;

/// <summary>Registration of the storage core: options and the backend chosen by <c>Storage:Provider</c>.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Adds the backend bound from <paramref name="configuration"/> (the <c>Storage</c> section); options are validated at start.</summary>
    public static IStorageBuilder AddPluginStorage(this IServiceCollection services, IConfiguration configuration) =>
        services.AddPluginStorage(options => configuration.Bind(options));

    /// <summary>Adds the backend configured in code; used by tests and dev tools.</summary>
    public static IStorageBuilder AddPluginStorage(this IServiceCollection services, Action<StorageOptions> configure)
    {
        services.AddOptions<StorageOptions>()
            .Configure(configure)
            .Validate(o => o.Provider != StorageProvider.Postgres || !string.IsNullOrWhiteSpace(o.Postgres.ConnectionString),
                "Storage:Postgres:ConnectionString is required when Storage:Provider is postgres.")
            .ValidateOnStart();
        services.TryAddSingleton<ReplyLimits>();
        services.TryAddSingleton<PluginWrites>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginSchemaObserver, PluginWrites>(sp => sp.GetRequiredService<PluginWrites>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, PostgresOptionsValidator>());
        services.TryAddSingleton<IPluginDatabase>(sp =>
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.Postgres
                ? ActivatorUtilities.CreateInstance<PostgresDatabase>(sp)
                : ActivatorUtilities.CreateInstance<SqliteDatabase>(sp));
        // Cache coherence across hosts: the listener runs (PostgreSQL only) where hosted services run.
        services.TryAddSingleton<PluginCaches>();
        services.TryAddSingleton<PostgresChangeListener>();
        services.TryAddSingleton<IPluginChangeNotifier, PluginChangeNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeListener>());
        return new StorageBuilder(services);
    }

    /// <summary>
    /// Adds the PostgreSQL backend on an existing <paramref name="dataSource"/>: the service's own
    /// connections come from it (its authentication, password provider and callbacks apply) and are
    /// counted by <c>Storage:Postgres:MaxConnections</c> like any other; plugin connections log in as
    /// each plugin's role, to the host and database of its connection string. The app keeps owning
    /// and disposing the data source. See README, "Embedding".
    /// </summary>
    public static IStorageBuilder AddPluginStorage(this IServiceCollection services, NpgsqlDataSource dataSource, Action<StorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        services.TryAddSingleton(new PostgresDataSource(dataSource));
        return services.AddPluginStorage(options =>
        {
            configure?.Invoke(options);
            options.Provider = StorageProvider.Postgres;
            options.Postgres.ConnectionString = dataSource.ConnectionString;
        });
    }

    private sealed class StorageBuilder(IServiceCollection services) : IStorageBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
