using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Kv.Internal;

namespace Storage.Kv;

/// <summary>Registration of the KV tier.</summary>
public static class KvStorageBuilderExtensions
{
    /// <summary>Adds <see cref="IKvStore"/> and the background TTL sweeper.</summary>
    public static IStorageBuilder AddKv(this IStorageBuilder builder, Action<KvOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<KvOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IKvEngine>(sp =>
        {
            var database = sp.GetRequiredService<IPluginDatabase>();
            var kv = sp.GetRequiredService<IOptions<KvOptions>>().Value;
            return database.Provider == StorageProvider.Postgres
                ? new PostgresKvEngine(database, kv.MaxGetBatch, sp.GetRequiredService<IOptions<StorageOptions>>().Value.MaxCachedPlugins)
                : new SqliteKvEngine(database, kv.SqliteWriterCheckpointPages, kv.MaxGetBatch);
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginLifecycleObserver, IKvEngine>(sp => sp.GetRequiredService<IKvEngine>()));
        builder.Services.TryAddSingleton<KvStore>();
        builder.Services.TryAddSingleton<IKvStore>(sp => sp.GetRequiredService<KvStore>());
        builder.Services.TryAddSingleton<IKvInspector, KvInspector>();
        builder.Services.TryAddSingleton<KvSweeper>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, KvSweeper>(sp => sp.GetRequiredService<KvSweeper>()));
        return builder;
    }

    /// <summary>Adds the KV tier with options bound from <paramref name="section"/> (the <c>Kv</c> section).</summary>
    public static IStorageBuilder AddKv(this IStorageBuilder builder, IConfiguration section)
    {
        builder.AddKv();
        builder.Services.AddOptions<KvOptions>().Bind(section);
        return builder;
    }
}
