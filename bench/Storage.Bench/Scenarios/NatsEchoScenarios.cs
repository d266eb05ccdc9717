using NATS.Client.Core;
using Storage.Bench.Infrastructure;

namespace Storage.Bench.Scenarios;

/// <summary>Baseline: bare NATS request/reply to a trivial .NET responder process that replies its payload.</summary>
internal static class NatsEchoScenarios
{
    public static IEnumerable<Scenario> Create(BenchContext context)
    {
        yield return new EchoScenario(context);
    }

    private sealed class EchoScenario(BenchContext context) : Scenario
    {
        private EchoResponder? _responder;
        private NatsConnection? _client;

        public override string Name => "echo";

        public override string Backend => "nats";

        // Reported like the host's: the responder's own CPU and memory.
        public override int? HostPid => _responder?.Pid;

        public override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
        {
            _responder = await EchoResponder.StartAsync(context.NatsUrl, cancellationToken);
            _client = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl });
            await _client.ConnectAsync();
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken) =>
            _ = await _client!.RequestAsync<byte[], byte[]>(EchoResponder.Subject, BenchData.ValueBytesRaw, cancellationToken: cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            if (_client is not null)
                await _client.DisposeAsync();
            if (_responder is not null)
                await _responder.DisposeAsync();
        }
    }
}
