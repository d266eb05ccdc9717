using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Client.Internal;

namespace Storage.Client;

/// <summary><c>services.AddStorageClient("quote-db", o =&gt; o.Url = "nats://...")</c>.</summary>
public static class StorageClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <paramref name="plugin"/>'s <see cref="IStorageClient"/> as a singleton (keyed by the
    /// plugin name, and unkeyed for the first one registered). It connects on first use of a call and
    /// is disposed with the container. An invalid plugin name throws INVALID_REQUEST here.
    /// </summary>
    public static IServiceCollection AddStorageClient(this IServiceCollection services, string plugin, Action<StorageClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        PluginName.Require(plugin);
        var options = new StorageClientOptions();
        configure?.Invoke(options);
        options.Validate();
        services.AddKeyedSingleton<IStorageClient>(plugin, (_, _) => StorageClient.Create(plugin, NatsTransport.Open(plugin, options), options));
        services.TryAddSingleton(provider => provider.GetRequiredKeyedService<IStorageClient>(plugin));
        return services;
    }
}
