using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using Storage.Host;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// An in-process host of its own on its own nats-server, for tests that stop servers, read logs or
/// count service-wide statistics and so must not share the per-backend hosts of <see cref="TestHosts"/>.
/// </summary>
internal sealed class DedicatedHost : IAsyncDisposable
{
    private DedicatedHost(NatsServer server, IHost host, NatsConnection client)
    {
        Server = server;
        Host = host;
        Client = client;
    }

    public NatsServer Server { get; }

    public IHost Host { get; }

    public NatsConnection Client { get; }

    public static async Task<DedicatedHost> StartAsync(string backend, IEnumerable<string>? extraArguments = null, ILoggerProvider? logs = null, string? postgresConnectionString = null)
    {
        var server = await NatsServer.StartAsync();
        try
        {
            var arguments = TestHosts.Arguments(backend, server.Url).ToList();
            if (postgresConnectionString is not null)
                arguments.Add($"--Storage:Postgres:ConnectionString={postgresConnectionString}");
            arguments.AddRange(extraArguments ?? []);
            var builder = StorageHostBuilder.Create([.. arguments]);
            if (logs is not null)
                builder.Logging.AddProvider(logs);
            var host = builder.Build();
            await host.StartAsync();
            var client = new NatsConnection(NatsOpts.Default with { Url = server.Url, RequestTimeout = TimeSpan.FromSeconds(15) });
            await client.ConnectAsync();
            return new DedicatedHost(server, host, client);
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public T Get<T>() where T : notnull => Host.Services.GetRequiredService<T>();

    public async Task<Reply> RequestAsync(string subject, string json, TimeSpan? timeout = null)
    {
        var msg = await Client.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(json),
            replyOpts: timeout is null ? null : new NatsSubOpts { Timeout = timeout });
        return new Reply(JsonDocument.Parse(msg.Data ?? []).RootElement.Clone(), msg.Headers);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync();
            Host.Dispose();
            await Client.DisposeAsync();
        }
        finally
        {
            Server.Dispose();
        }
    }
}
