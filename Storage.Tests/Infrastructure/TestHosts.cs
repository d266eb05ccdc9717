using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using Storage.Host;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// The real host, started in process once per backend, and a NATS client to talk to it: the
/// end-to-end path a plugin uses. Subjects are fixed by the contract, so each backend's host gets
/// its own nats-server (two hosts on one server would share the queue group).
/// </summary>
internal static class TestHosts
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<Running>>> Hosts = new();

    public static string[] Arguments(string backend, string natsUrl) =>
    [
        $"--Nats:Url={natsUrl}",
        $"--Storage:Provider={backend}",
        $"--Storage:Sqlite:Directory={TestEnvironment.SqliteDirectory}",
        $"--Storage:Postgres:ConnectionString={TestEnvironment.Postgres.AdminConnectionString()}",
        "--Logging:LogLevel:Default=Warning",
    ];

    /// <summary>A client connected to the nats-server that the backend's host serves.</summary>
    public static async Task<NatsConnection> ClientAsync(string backend) => (await StartAsync(backend)).Client;

    /// <summary>The nats-server the backend's host serves.</summary>
    public static async Task<NatsServer> ServerAsync(string backend) => (await StartAsync(backend)).Server;

    /// <summary>Sends a JSON request and returns the reply parsed, with its headers.</summary>
    public static Task<Reply> RequestAsync(string backend, string subject, string json) =>
        RequestRawAsync(backend, subject, Encoding.UTF8.GetBytes(json));

    /// <summary>Sends raw bytes (for malformed bodies).</summary>
    public static async Task<Reply> RequestRawAsync(string backend, string subject, byte[] body)
    {
        var client = await ClientAsync(backend);
        var msg = await client.RequestAsync<byte[], byte[]>(subject, body);
        return new Reply(JsonDocument.Parse(msg.Data ?? []).RootElement.Clone(), msg.Headers);
    }

    public static async Task DisposeAllAsync()
    {
        foreach (var lazy in Hosts.Values.Where(h => h.IsValueCreated))
        {
            var running = await lazy.Value;
            await running.Host.StopAsync();
            running.Host.Dispose();
            await running.Client.DisposeAsync();
            running.Server.Dispose();
        }
        Hosts.Clear();
    }

    private static Task<Running> StartAsync(string backend) =>
        Hosts.GetOrAdd(backend, b => new Lazy<Task<Running>>(async () =>
        {
            var server = await NatsServer.StartAsync();
            var host = StorageHostBuilder.Create(Arguments(b, server.Url)).Build();
            await host.StartAsync();
            var client = new NatsConnection(NatsOpts.Default with { Url = server.Url, RequestTimeout = TimeSpan.FromSeconds(30) });
            await client.ConnectAsync();
            return new Running(server, host, client);
        })).Value;

    private sealed record Running(NatsServer Server, IHost Host, NatsConnection Client);
}

/// <summary>A reply body and its headers.</summary>
internal sealed record Reply(JsonElement Body, NatsHeaders? Headers)
{
    public bool IsError => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("error", out _);

    public string? ErrorCode => IsError ? Body.GetProperty("error").GetProperty("code").GetString() : null;

    public string? ErrorMessage => IsError ? Body.GetProperty("error").GetProperty("message").GetString() : null;

    public JsonElement this[string name] => Body.GetProperty(name);
}
