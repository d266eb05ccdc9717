using NATS.Client.Core;
using Storage.Client.Internal;

namespace Storage.Client;

/// <summary>Creates <see cref="IStorageClient"/>s: over NATS for a real host, or over any <see cref="IStorageTransport"/>.</summary>
public static class StorageClient
{
    /// <summary>The NATS inbox prefix the generated permissions allow <paramref name="plugin"/>: <c>_INBOX.&lt;plugin&gt;</c>.</summary>
    public static string InboxPrefix(string plugin) => "_INBOX." + PluginName.Require(plugin);

    /// <summary>
    /// Connects to NATS as <paramref name="plugin"/> (inbox prefix set for you) and returns its client,
    /// which owns and closes the connection. An invalid plugin name is INVALID_REQUEST before anything is sent.
    /// </summary>
    public static async Task<IStorageClient> ConnectAsync(string plugin, StorageClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StorageClientOptions();
        options.Validate();
        var transport = NatsTransport.Open(plugin, options);
        try
        {
            await transport.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return Create(plugin, transport, options);
    }

    /// <summary>
    /// A client on a connection you own (not disposed with the client). Against generated permissions
    /// the connection must use <see cref="InboxPrefix"/> as its <c>NatsOpts.InboxPrefix</c>.
    /// </summary>
    public static IStorageClient Create(string plugin, INatsConnection connection, StorageClientOptions? options = null) =>
        Create(plugin, new NatsTransport(connection, owned: false), options);

    /// <summary>A client over <paramref name="transport"/> (disposed with the client).</summary>
    public static IStorageClient Create(string plugin, IStorageTransport transport, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        options ??= new StorageClientOptions();
        options.Validate();
        return new StorageClientCore(PluginName.Require(plugin), transport, options);
    }
}
