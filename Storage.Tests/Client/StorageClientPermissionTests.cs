using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using Storage.Client;
using Storage.Host;
using Storage.Host.Cli;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Client;

/// <summary>
/// The client against a nats-server running the authorization block <c>nats-config</c> generates: with
/// only a plugin's user and password it reaches its own storage (the inbox prefix is set for it), and
/// its credentials reach no other plugin's.
/// </summary>
[TestClass]
public sealed class StorageClientPermissionTests
{
    private const string PluginA = "cli-perm-a";
    private const string PluginB = "cli-perm-b";
    private static readonly Dictionary<string, string> Passwords = [];
    private static NatsServer? _server;
    private static IHost? _host;
    private static string? _configFile;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        var order = new Queue<string>([NatsConfig.DefaultServiceUser, PluginA, PluginB]);
        var config = NatsConfig.Render([PluginA, PluginB], null, NatsConfig.DefaultServiceUser, () => Passwords[order.Dequeue()] = NatsConfig.NewPassword());
        _configFile = Path.Combine(Path.GetTempPath(), $"storage-client-auth-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(_configFile, config);
        _server = await NatsServer.StartAsync(_configFile);
        _host = StorageHostBuilder.Create([
            .. TestHosts.Arguments(Backend.Sqlite, _server.Url),
            $"--Nats:User={NatsConfig.DefaultServiceUser}",
            $"--Nats:Password={Passwords[NatsConfig.DefaultServiceUser]}",
        ]).Build();
        await _host.StartAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        _server?.Dispose();
        if (_configFile is not null)
            File.Delete(_configFile);
    }

    private static StorageClientOptions As(string user) => new()
    {
        Url = _server!.Url,
        User = user,
        Password = Passwords[user],
        RequestTimeout = TimeSpan.FromSeconds(2),
        MaxAttempts = 1,
    };

    [TestMethod]
    public async Task With_its_user_and_password_alone_a_plugin_uses_its_storage()
    {
        await using var storage = await StorageClient.ConnectAsync(PluginA, As(PluginA));

        await storage.Kv.SetAsync("k", new { n = 42 });

        Assert.AreEqual(42, (await storage.Kv.GetAsync<Dictionary<string, int>>("k"))!.Value["n"]);
    }

    [TestMethod]
    public async Task A_connection_without_the_plugins_inbox_prefix_gets_no_reply()
    {
        await using var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = _server!.Url,
            AuthOpts = NatsAuthOpts.Default with { Username = PluginA, Password = Passwords[PluginA] },
        });
        await using var storage = StorageClient.Create(PluginA, connection, As(PluginA));

        var error = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.GetAsync<int>("k"));

        Assert.AreEqual(StorageErrorCode.Timeout, error.Code);
        Assert.AreEqual("_INBOX." + PluginA, StorageClient.InboxPrefix(PluginA));
    }

    [TestMethod]
    public async Task A_plugins_credentials_reach_no_other_plugins_storage()
    {
        await using var intruder = await StorageClient.ConnectAsync(PluginB, As(PluginA));

        var error = await Assert.ThrowsAsync<StorageException>(() => intruder.Kv.SetAsync("k", "from a"));

        Assert.AreEqual(StorageErrorCode.Timeout, error.Code, "the server drops the publish; no reply comes");
        await using var b = await StorageClient.ConnectAsync(PluginB, As(PluginB));
        Assert.IsNull(await b.Kv.GetAsync<string>("k"), "A's request reached B's storage");
    }

    [TestMethod]
    public async Task AddStorageClient_registers_a_connected_client_for_the_plugin()
    {
        var services = new ServiceCollection();
        services.AddStorageClient(PluginA, o =>
        {
            o.Url = _server!.Url;
            o.User = PluginA;
            o.Password = Passwords[PluginA];
        });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var storage = provider.GetRequiredService<IStorageClient>();
        await storage.Kv.SetAsync("di", true);

        Assert.AreSame(storage, provider.GetRequiredKeyedService<IStorageClient>(PluginA));
        Assert.AreEqual(PluginA, storage.Plugin);
        Assert.IsTrue((await storage.Kv.GetAsync<bool>("di"))!.Value);
        var error = Assert.Throws<StorageException>(() => new ServiceCollection().AddStorageClient("quote.db"));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
    }
}
