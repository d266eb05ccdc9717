using Microsoft.Extensions.Hosting;
using Storage.Host;
using Storage.Host.Cli;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Examples;

/// <summary>
/// A host as production runs it: its own nats-server with the authorization block that
/// <c>Storage.Host nats-config</c> generates for the given plugins, and the host connected as the
/// service user. Plugins connect with their own user, password and inbox prefix.
/// </summary>
internal sealed class PluginUsersHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _configFile;

    private PluginUsersHost(NatsServer server, IHost host, string configFile, IReadOnlyDictionary<string, string> passwords)
    {
        Server = server;
        _host = host;
        _configFile = configFile;
        Passwords = passwords;
    }

    public NatsServer Server { get; }

    /// <summary>Each plugin's NATS password; its user name is the plugin id.</summary>
    public IReadOnlyDictionary<string, string> Passwords { get; }

    public static async Task<PluginUsersHost> StartAsync(string backend, IReadOnlyList<string> plugins)
    {
        var users = new Queue<string>([NatsConfig.DefaultServiceUser, .. plugins]);
        var passwords = new Dictionary<string, string>(StringComparer.Ordinal);
        var config = NatsConfig.Render(plugins, admin: null, NatsConfig.DefaultServiceUser, () =>
        {
            var password = NatsConfig.NewPassword();
            passwords[users.Dequeue()] = password;
            return password;
        });
        var configFile = Path.Combine(Path.GetTempPath(), $"storage-examples-auth-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(configFile, config);
        var server = await NatsServer.StartAsync(configFile);
        try
        {
            var host = StorageHostBuilder.Create([
                .. TestHosts.Arguments(backend, server.Url),
                $"--Nats:User={NatsConfig.DefaultServiceUser}",
                $"--Nats:Password={passwords[NatsConfig.DefaultServiceUser]}",
            ]).Build();
            await host.StartAsync();
            return new PluginUsersHost(server, host, configFile, passwords);
        }
        catch
        {
            server.Dispose();
            File.Delete(configFile);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        finally
        {
            Server.Dispose();
            File.Delete(_configFile);
        }
    }
}
