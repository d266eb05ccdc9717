using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Storage.Bench.Scenarios;

/// <summary>Baseline: NATS JetStream KV put/get on a file-storage bucket, the closest off-the-shelf KV over NATS.</summary>
internal static class JetStreamScenarios
{
    public static IEnumerable<Scenario> Create(BenchContext context)
    {
        yield return new JetStreamScenario(context, put: true);
        yield return new JetStreamScenario(context, put: false);
    }

    private sealed class JetStreamScenario(BenchContext context, bool put) : Scenario
    {
        private NatsConnection? _connection;
        private INatsKVStore? _store;

        public override string Name => put ? "jetstream_put" : "jetstream_get";

        public override string Backend => "nats";

        public override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
        {
            _connection = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl });
            var kv = new NatsKVContext(new NatsJSContext(_connection));
            _store = await kv.CreateStoreAsync(new NatsKVConfig(put ? "bench_put" : "bench_get") { Storage = NatsKVStorageType.File }, cancellationToken);
            for (var i = 0; i < BenchData.KeyCount; i++)
                await _store.PutAsync(BenchData.Key(i), BenchData.ValueBytesRaw, cancellationToken: cancellationToken);
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken)
        {
            var key = BenchData.Key(KeyIndex(worker, iteration));
            if (put)
                await _store!.PutAsync(key, BenchData.ValueBytesRaw, cancellationToken: cancellationToken);
            else
                _ = await _store!.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_connection is not null)
                await _connection.DisposeAsync();
        }
    }
}
