using Storage.Client;
using Storage.Client.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Client;

/// <summary>Clients of the test hosts' nats-servers (no auth): the public path, or a wrapped transport.</summary>
internal static class NatsClients
{
    public static async Task<IStorageClient> ConnectAsync(string backend, string plugin, StorageClientOptions options, Func<IStorageTransport, IStorageTransport>? wrap)
    {
        options.Url = (await TestHosts.ServerAsync(backend)).Url;
        return wrap is null
            ? await StorageClient.ConnectAsync(plugin, options)
            : StorageClient.Create(plugin, wrap(NatsTransport.Open(plugin, options)), options);
    }
}
