using Microsoft.Extensions.DependencyInjection;
using Storage.Client;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Sql;
using Storage.Testing.Internal;

namespace Storage.Testing;

/// <summary>
/// The in-process twin of the storage service for a plugin's own tests: the same <see cref="IStorageClient"/>
/// as over NATS, on the real tier libraries and a real SQLite file in a temporary directory (deleted on
/// dispose). Requests go through the same contract JSON and tier calls as the host's handlers, so replies,
/// errors and codes are the same: <c>await using var storage = await InProcessStorage.StartAsync("quote-db");</c>
/// </summary>
public sealed class InProcessStorage : IStorageClient
{
    private readonly ServiceProvider _services;
    private readonly IStorageClient _client;
    private readonly bool _ownsDirectory;

    private InProcessStorage(ServiceProvider services, InProcessTransport transport, string directory, bool ownsDirectory, string plugin, StorageClientOptions? options)
    {
        _services = services;
        Transport = transport;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        _client = StorageClient.Create(plugin, transport, options);
    }

    /// <inheritdoc />
    public string Plugin => _client.Plugin;

    /// <inheritdoc />
    public IKvClient Kv => _client.Kv;

    /// <inheritdoc />
    public IRowsClient Rows => _client.Rows;

    /// <inheritdoc />
    public ISqlClient Sql => _client.Sql;

    /// <inheritdoc />
    public IMigrationsClient Migrations => _client.Migrations;

    /// <summary>Where the plugin files are (a fresh temporary directory unless one was given).</summary>
    public string Directory { get; }

    /// <summary>The transport every client of this storage uses; wrap it to inject failures in tests.</summary>
    public IStorageTransport Transport { get; }

    /// <summary>
    /// Starts the twin for <paramref name="plugin"/> (INVALID_REQUEST for a bad name). <paramref name="configure"/>
    /// may change the storage settings (limits, timeouts); the provider is always SQLite.
    /// </summary>
    public static Task<InProcessStorage> StartAsync(string plugin, Action<StorageOptions>? configure = null, StorageClientOptions? clientOptions = null,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PluginId.Parse(plugin);
        var directory = System.IO.Directory.CreateTempSubdirectory("storage-twin-").FullName;
        var services = new ServiceCollection();
        services.AddPluginStorage(options =>
        {
            options.Sqlite.Directory = directory;
            configure?.Invoke(options);
            options.Provider = StorageProvider.Sqlite;
        }).AddKv().AddRows().AddSql().AddMigrations();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var transport = new InProcessTransport(provider.GetRequiredService<IKvStore>(), provider.GetRequiredService<IRowStore>(),
            provider.GetRequiredService<ISqlRunner>(), provider.GetRequiredService<IMigrator>(), TimeProvider.System);
        var actual = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.Sqlite.Directory;
        var owns = actual == directory;
        if (!owns)
            System.IO.Directory.Delete(directory);
        return Task.FromResult(new InProcessStorage(provider, transport, actual, owns, plugin, clientOptions));
    }

    /// <summary>A client for another plugin on the same storage (isolation tests); dispose it before this twin.</summary>
    public IStorageClient ClientFor(string plugin, StorageClientOptions? options = null) => StorageClient.Create(plugin, Transport, options);

    /// <summary>Closes every connection and deletes the temporary directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a reader in flight: left for the OS's temp cleanup rather than failing the test's dispose.
            }
        }
    }
}
