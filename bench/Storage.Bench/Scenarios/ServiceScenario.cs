using System.Text;
using NATS.Client.Core;
using Storage.Bench.Infrastructure;

namespace Storage.Bench.Scenarios;

/// <summary>
/// A scenario against the storage service: requests as a plugin sends them, through real NATS
/// request/reply to the host process (<see cref="ServiceHost"/>) on <paramref name="backend"/>.
/// </summary>
internal abstract class ServiceScenario(BenchContext context, string backend) : Scenario
{
    private NatsConnection? _client;

    public sealed override string Backend => backend;

    public sealed override int? HostPid => Host?.Pid;

    protected ServiceHost? Host { get; private set; }

    protected BenchContext Context => context;

    public sealed override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
    {
        Host = await context.Hosts.AcquireAsync(context, backend, cancellationToken);
        _client = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl, RequestTimeout = TimeSpan.FromSeconds(60) });
        await _client.ConnectAsync();
        await PrepareAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_client is not null)
            await _client.DisposeAsync();
    }

    /// <summary>Writes what the scenario reads, once, before the cells.</summary>
    protected virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The 100,000-row trivia data set on this host, loaded by the first scenario that needs it.</summary>
    protected Task<TriviaDataset> DatasetAsync(CancellationToken cancellationToken) =>
        Host!.Dataset ??= LoadDatasetAsync(cancellationToken);

    private async Task<TriviaDataset> LoadDatasetAsync(CancellationToken cancellationToken)
    {
        var data = await TriviaDataset.LoadAsync(RequestAsync, ServiceHost.Plugin, cancellationToken);
        if (backend == "postgres")
        {
            // Fresh statistics and visibility map, as autovacuum would leave them within a minute of the bulk
            // load (without the map, the leaderboard's index-only scan visits the heap for 9,028 of its 11,738
            // rows); a plugin cannot run VACUUM or ANALYZE itself (the SQL guard refuses them), so the bench does as the service account.
            await using var source = Npgsql.NpgsqlDataSource.Create(context.PostgresConnectionString!);
            await using var analyze = source.CreateCommand($"VACUUM (ANALYZE) plugin_{ServiceHost.Plugin}.trivia_rounds, plugin_{ServiceHost.Plugin}.trivia_stats");
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }
        return data;
    }

    /// <summary>One request to <c>db.&lt;tier&gt;.bench.&lt;op&gt;</c> (or <c>db.migrate.bench</c>); an error reply throws, so a failure never counts as a fast operation.</summary>
    protected async ValueTask<byte[]> RequestAsync(string subject, byte[] body, CancellationToken cancellationToken)
    {
        var reply = await _client!.RequestAsync<byte[], byte[]>(subject, body, cancellationToken: cancellationToken);
        // Success replies carry no headers.
        if (reply.Headers?.TryGetValue("Nats-Service-Error", out var error) == true)
            throw new InvalidOperationException($"{subject} failed: {error} {Encoding.UTF8.GetString(reply.Data ?? [])}");
        return reply.Data ?? [];
    }

    protected ValueTask<byte[]> RequestAsync(string subject, string body, CancellationToken cancellationToken) =>
        RequestAsync(subject, Encoding.UTF8.GetBytes(body), cancellationToken);

    protected static string Kv(string op) => $"db.kv.{ServiceHost.Plugin}.{op}";

    protected static string Row(string op) => $"db.row.{ServiceHost.Plugin}.{op}";

    protected static string Sql => $"db.sql.{ServiceHost.Plugin}.query";

    protected static string Migrate => $"db.migrate.{ServiceHost.Plugin}";
}
