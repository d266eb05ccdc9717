using Storage.Client;
using Storage.Client.Internal;
using Storage.Testing;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Client;

/// <summary>The client suite over NATS against the host on SQLite.</summary>
[TestClass]
public sealed class StorageClientNatsSqliteTests : StorageClientBehaviour
{
    private protected override Task<IStorageClient> ConnectAsync(string plugin, StorageClientOptions options, Func<IStorageTransport, IStorageTransport>? wrap = null) =>
        NatsClients.ConnectAsync(Backend.Sqlite, plugin, options, wrap);
}

/// <summary>The client suite over NATS against the host on PostgreSQL.</summary>
[TestClass]
public sealed class StorageClientNatsPostgresTests : StorageClientBehaviour
{
    private protected override Task<IStorageClient> ConnectAsync(string plugin, StorageClientOptions options, Func<IStorageTransport, IStorageTransport>? wrap = null) =>
        NatsClients.ConnectAsync(Backend.Postgres, plugin, options, wrap);
}

/// <summary>The client suite against the in-process twin (no NATS, SQLite in a temporary directory).</summary>
[TestClass]
public sealed class StorageClientInProcessTests : StorageClientBehaviour
{
    private static InProcessStorage? _storage;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _storage = await InProcessStorage.StartAsync("twin-suite");
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        if (_storage is not null)
            await _storage.DisposeAsync();
    }

    private protected override Task<IStorageClient> ConnectAsync(string plugin, StorageClientOptions options, Func<IStorageTransport, IStorageTransport>? wrap = null) =>
        Task.FromResult(wrap is null ? _storage!.ClientFor(plugin, options) : StorageClient.Create(plugin, wrap(_storage!.Transport), options));
}
