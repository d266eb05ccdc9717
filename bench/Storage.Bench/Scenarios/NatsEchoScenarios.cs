using NATS.Client.Core;

namespace Storage.Bench.Scenarios;

/// <summary>Baseline: bare NATS request/reply to a trivial .NET responder that replies its payload.</summary>
internal static class NatsEchoScenarios
{
    public static IEnumerable<Scenario> Create(BenchContext context)
    {
        yield return new EchoScenario(context);
    }

    private sealed class EchoScenario(BenchContext context) : Scenario
    {
        private const string Subject = "bench.echo";
        private readonly CancellationTokenSource _stop = new();
        private NatsConnection? _responder;
        private NatsConnection? _client;
        private Task? _loop;

        public override string Name => "echo";

        public override string Backend => "nats";

        public override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
        {
            _responder = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl });
            var subscription = await _responder.SubscribeCoreAsync<byte[]>(Subject, cancellationToken: cancellationToken);
            _loop = Task.Run(async () =>
            {
                await using (subscription)
                {
                    await foreach (var msg in subscription.Msgs.ReadAllAsync(_stop.Token))
                        await msg.ReplyAsync(msg.Data);
                }
            });
            _client = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl });
            await _client.ConnectAsync();
            await _responder.PingAsync(cancellationToken);
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken) =>
            _ = await _client!.RequestAsync<byte[], byte[]>(Subject, BenchData.ValueBytesRaw, cancellationToken: cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_loop is not null)
                await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            if (_client is not null)
                await _client.DisposeAsync();
            if (_responder is not null)
                await _responder.DisposeAsync();
            _stop.Dispose();
        }
    }
}
