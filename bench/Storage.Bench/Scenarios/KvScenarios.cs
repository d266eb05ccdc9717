using System.Text;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using Storage.Host;

namespace Storage.Bench.Scenarios;

/// <summary>
/// The service itself: KV set/get as a plugin sends them, through real NATS request/reply to the
/// real host started in process. One host at a time: every host answers the same subjects.
/// </summary>
internal static class KvScenarios
{
    public static IEnumerable<Scenario> Create(BenchContext context)
    {
        foreach (var backend in new[] { "sqlite", "postgres" })
        {
            yield return new KvScenario(context, backend, set: true);
            yield return new KvScenario(context, backend, set: false);
        }
    }

    private sealed class KvScenario(BenchContext context, string backend, bool set) : Scenario
    {
        private const string Plugin = "bench";
        private IHost? _host;
        private NatsConnection? _client;
        private byte[][] _bodies = [];

        public override string Name => set ? "kv_set" : "kv_get";

        public override string Backend => backend;

        public override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
        {
            var sqlite = Path.Combine(context.WorkDirectory, $"kv-{backend}");
            _host = StorageHostBuilder.Create(
            [
                $"--Nats:Url={context.NatsUrl}",
                $"--Storage:Provider={backend}",
                $"--Storage:Sqlite:Directory={sqlite}",
                $"--Storage:Postgres:ConnectionString={context.PostgresConnectionString}",
                "--Logging:LogLevel:Default=Warning",
            ]).Build();
            await _host.StartAsync(cancellationToken);
            _client = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl, RequestTimeout = TimeSpan.FromSeconds(30) });
            await _client.ConnectAsync();
            var sets = Enumerable.Range(0, BenchData.KeyCount)
                .Select(i => Encoding.UTF8.GetBytes($$"""{"key":"{{BenchData.Key(i)}}","value":{{BenchData.ValueJson}}}""")).ToArray();
            foreach (var body in sets)
                await RequestAsync("set", body, cancellationToken);
            _bodies = set ? sets : Enumerable.Range(0, BenchData.KeyCount)
                .Select(i => Encoding.UTF8.GetBytes($$"""{"key":"{{BenchData.Key(i)}}"}""")).ToArray();
        }

        public override ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken) =>
            RequestAsync(set ? "set" : "get", _bodies[KeyIndex(worker, iteration)], cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            if (_client is not null)
                await _client.DisposeAsync();
            if (_host is not null)
            {
                await _host.StopAsync();
                _host.Dispose();
            }
        }

        private async ValueTask RequestAsync(string op, byte[] body, CancellationToken cancellationToken)
        {
            var reply = await _client!.RequestAsync<byte[], byte[]>($"db.kv.{Plugin}.{op}", body, cancellationToken: cancellationToken);
            // Success replies carry no headers; a failed request must not count as a fast one.
            if (reply.Headers?.TryGetValue("Nats-Service-Error", out var error) == true)
                throw new InvalidOperationException($"{op} failed: {error} {Encoding.UTF8.GetString(reply.Data ?? [])}");
        }
    }
}
