using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Kv;
using Storage.Rows;
using Storage.Migrations;
using Storage.Sql;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// The tier libraries embedded directly (no NATS), one service provider per backend. Behaviour tests
/// take the backend name as a data row: <c>[DataRow(Backend.Sqlite)] [DataRow(Backend.Postgres)]</c>.
/// </summary>
internal static class TestBackends
{
    private static readonly ConcurrentDictionary<string, Lazy<ServiceProvider>> Providers = new();

    public static IServiceProvider Get(string backend) =>
        Providers.GetOrAdd(backend, b => new Lazy<ServiceProvider>(() => Build(b))).Value;

    public static T Get<T>(string backend) where T : notnull => Get(backend).GetRequiredService<T>();

    public static ServiceProvider Build(string backend, Action<StorageOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPluginStorage(options =>
        {
            Configure(backend, options);
            configure?.Invoke(options);
        })
        .AddKv()
        .AddRows()
        .AddMigrations()
        .AddSql();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    /// <summary>A private provider with its own row options, so tight limits never touch the shared test backends.</summary>
    public static ServiceProvider BuildWithRows(string backend, Action<RowsOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPluginStorage(options => Configure(backend, options)).AddRows(configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public static void Configure(string backend, StorageOptions options)
    {
        options.Provider = backend == Backend.Postgres ? StorageProvider.Postgres : StorageProvider.Sqlite;
        options.Sqlite.Directory = TestEnvironment.SqliteDirectory;
        options.Postgres.ConnectionString = TestEnvironment.Postgres.AdminConnectionString();
    }

    public static async Task DisposeAllAsync()
    {
        foreach (var provider in Providers.Values.Where(p => p.IsValueCreated))
            await provider.Value.DisposeAsync();
        Providers.Clear();
    }
}

/// <summary>Backend names for data rows.</summary>
internal static class Backend
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
}
