using System.Diagnostics;
using System.Globalization;
using System.Text;
using HdrHistogram;
using NATS.Client.Core;
using Npgsql;
using Storage.Bench.Infrastructure;

namespace Storage.Bench;

/// <summary>
/// <c>--fleet N</c>: N plugins active at once against a PostgreSQL server with the default
/// <c>max_connections=100</c> and the host's default connection budget; every plugin applies a
/// migration, inserts a row, runs a SQL query, sets and gets a KV key. Counts errors, samples the
/// server's sessions and the host's RSS.
/// </summary>
internal static class Fleet
{
    public const int ServerMaxConnections = 100;

    public static async Task<FleetResult> RunAsync(string natsUrl, string work, int plugins, bool statements, CancellationToken cancellationToken)
    {
        using var postgres = await BenchPostgres.StartAsync(ServerMaxConnections, statements);
        var context = new BenchContext(natsUrl, postgres.ConnectionString, Path.Combine(work, "fleet"));
        await using var host = await ServiceHost.StartAsync(context, "postgres", cancellationToken);
        ProcStats.ResetPeak(host.Pid);
        await using var client = new NatsConnection(NatsOpts.Default with { Url = natsUrl, RequestTimeout = TimeSpan.FromSeconds(120) });
        await client.ConnectAsync();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sessions = SampleSessionsAsync(postgres.ConnectionString, stop.Token);
        var histogram = new LongHistogram(TimeSpan.FromMinutes(10).Ticks / 10, 3);
        var errors = new List<string>();
        var requests = 0L;
        var retries = 0L;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, plugins).Select(i => Task.Run(async () =>
        {
            var plugin = $"fleet-{i.ToString("D5", CultureInfo.InvariantCulture)}";
            foreach (var (subject, body) in Flow(plugin))
            {
                var started = Stopwatch.GetTimestamp();
                var error = await RequestAsync(client, subject, body, cancellationToken);
                // UNAVAILABLE and RATE_LIMITED are the retryable answers (host saturated, no connection free in
                // time): retry after the reply's retry_after_ms (else a backoff), for up to two minutes, as a plugin should.
                for (var attempt = 1; error is not null && Retryable(error) && Stopwatch.GetElapsedTime(started) < RetryBudget; attempt++)
                {
                    Interlocked.Increment(ref retries);
                    await Task.Delay(RetryAfter(error) ?? TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 2000)), cancellationToken);
                    error = await RequestAsync(client, subject, body, cancellationToken);
                }
                var micros = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                lock (histogram)
                {
                    histogram.RecordValue(micros);
                    requests++;
                    if (error is not null)
                        errors.Add(error);
                }
            }
        }, cancellationToken)));
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        var peakSessions = await sessions;
        return new FleetResult(plugins, requests, retries, errors.Count, errors.FirstOrDefault(), requests / elapsed.TotalSeconds,
            histogram.GetValueAtPercentile(50) / 1000.0, histogram.GetValueAtPercentile(99) / 1000.0, elapsed.TotalSeconds,
            ProcStats.PeakRssMegabytes(host.Pid), ProcStats.RssMegabytes(host.Pid), peakSessions, await LoginsAsync(postgres.ConnectionString))
        {
            TopStatements = statements ? await postgres.TopStatementsAsync(15) : [],
        };
    }

    private static IEnumerable<(string Subject, string Body)> Flow(string plugin) =>
    [
        ($"db.migrate.{plugin}", """{"action":"apply","migrations":[{"version":"001","up":"CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL)"}]}"""),
        ($"db.row.{plugin}.insert", """{"table":"items","data":{"name":"a"}}"""),
        ($"db.sql.{plugin}.query", """{"query":"SELECT count(*) AS n FROM items"}"""),
        ($"db.kv.{plugin}.set", """{"key":"k","value":"v"}"""),
        ($"db.kv.{plugin}.get", """{"key":"k"}"""),
    ];

    private static async Task<string?> RequestAsync(NatsConnection client, string subject, string body, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await client.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(body), cancellationToken: cancellationToken);
            return reply.Headers?.TryGetValue("Nats-Service-Error", out var error) == true
                ? $"{subject}: {error} {Encoding.UTF8.GetString(reply.Data ?? [])}"
                : null;
        }
        catch (NatsException ex)
        {
            return $"{subject}: {ex.GetType().Name} {ex.Message}";
        }
    }

    // Client sessions on the server, excluding the sampler's own.
    private static async Task<int> SampleSessionsAsync(string connectionString, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection);
        var peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, (int)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(20, CancellationToken.None);
        }
        return peak;
    }

    // Sessions the server has started since it came up (pg_stat_database.sessions): each one is a login.
    private static async Task<long> LoginsAsync(string connectionString)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None); // backends flush their statistics at most once a second
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("SELECT sum(sessions)::bigint FROM pg_stat_database", connection);
        return (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
    }

    private static readonly TimeSpan RetryBudget = TimeSpan.FromMinutes(2);

    private static bool Retryable(string error) =>
        error.Contains("\"UNAVAILABLE\"", StringComparison.Ordinal) || error.Contains("\"RATE_LIMITED\"", StringComparison.Ordinal);

    private static TimeSpan? RetryAfter(string error)
    {
        var at = error.IndexOf("\"retry_after_ms\":", StringComparison.Ordinal);
        if (at < 0)
            return null;
        var digits = new string(error[(at + 17)..].TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : null;
    }
}

/// <summary>What <c>--fleet</c> measured.</summary>
internal sealed record FleetResult(int Plugins, long Requests, long Retries, int Errors, string? FirstError, double RequestsPerSecond,
    double P50Ms, double P99Ms, double Seconds, double PeakRssMegabytes, double EndRssMegabytes, int PeakServerSessions, long Logins)
{
    /// <summary>With <c>--pg-statements</c>: the server's costliest statements, as markdown table rows.</summary>
    public IReadOnlyList<string> TopStatements { get; init; } = [];

    public string Report() => TopStatements.Count == 0
        ? Line()
        : string.Join(Environment.NewLine, [Line(), "", "| calls | total s | statement (pg_stat_statements, nested ones too) |", "|---:|---:|---|", .. TopStatements]);

    public string Line() =>
        string.Create(CultureInfo.InvariantCulture, $"fleet postgres (max_connections={Fleet.ServerMaxConnections}, host defaults): {Plugins} plugins at once, {Requests} requests in {Seconds:F1} s, ")
        + string.Create(CultureInfo.InvariantCulture, $"{RequestsPerSecond:F0} req/s, p50 {P50Ms:F1} ms, p99 {P99Ms:F1} ms (with retries), UNAVAILABLE/RATE_LIMITED retried {Retries}, errors {Errors}, peak server sessions {PeakServerSessions}, server logins {Logins}, ")
        + string.Create(CultureInfo.InvariantCulture, $"host RSS peak {PeakRssMegabytes:F0} MiB (end {EndRssMegabytes:F0} MiB)")
        + (FirstError is null ? "" : $"; first error: {FirstError}");
}
