using System.Diagnostics;
using System.Globalization;
using System.Text;
using NATS.Client.Core;
using Storage.Bench.Infrastructure;

namespace Storage.Bench;

/// <summary>
/// <c>--plugins N</c>: N plugins on SQLite with the host under a 1,024 open-files limit. Every plugin
/// does a KV set and a get (64 requests in flight); errors are counted, the host's RSS and open
/// handles sampled. Then the host is stopped and started again over the N files: time to ready.
/// </summary>
internal static class ManyPlugins
{
    public const int OpenFilesLimit = 1024;
    private const int Concurrency = 64;

    public static async Task<string> RunAsync(BenchContext context, int plugins, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(context.WorkDirectory, "many-plugins");
        string[] extra = [$"--Storage:Sqlite:Directory={directory}", "--Kv:SweepIntervalSeconds=30"];
        var host = await ServiceHost.StartAsync(context, "sqlite", cancellationToken, extra, OpenFilesLimit);
        var (errors, peakFds, peakRss, seconds, firstError) = (0, 0, 0.0, 0.0, "");
        try
        {
            await using var client = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl, RequestTimeout = TimeSpan.FromSeconds(60) });
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peakFds = Math.Max(peakFds, Directory.EnumerateFiles($"/proc/{host.Pid}/fd").Count());
                    peakRss = Math.Max(peakRss, ProcStats.RssMegabytes(host.Pid));
                    await Task.Delay(200, CancellationToken.None);
                }
            }, CancellationToken.None);
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, plugins), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var plugin = $"many-{i:D5}";
                foreach (var (op, body) in new[] { ("set", """{"key":"k","value":"v","ttl":3600}"""), ("get", """{"key":"k"}""") })
                {
                    var reply = await client.RequestAsync<byte[], byte[]>($"db.kv.{plugin}.{op}", Encoding.UTF8.GetBytes(body), cancellationToken: ct);
                    if (reply.Headers?.ContainsKey("Nats-Service-Error") == true && Interlocked.Increment(ref errors) == 1)
                        firstError = Encoding.UTF8.GetString(reply.Data ?? []);
                }
            });
            seconds = clock.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await sampler;
        }
        finally
        {
            await host.DisposeAsync();
        }
        var files = Directory.EnumerateFiles(directory, "*.db").Count();
        var restart = Stopwatch.StartNew();
        var again = await ServiceHost.StartAsync(context, "sqlite", cancellationToken, extra, OpenFilesLimit);
        var ready = restart.Elapsed.TotalSeconds;
        var (rssAfter, fdsAfter) = (ProcStats.RssMegabytes(again.Pid), Directory.EnumerateFiles($"/proc/{again.Pid}/fd").Count());
        await again.DisposeAsync();
        return string.Create(CultureInfo.InvariantCulture,
            $"plugins sqlite (ulimit -n {OpenFilesLimit}): {plugins} plugins x (kv set + get) at c={Concurrency} in {seconds:F1} s ({2 * plugins / seconds:F0} req/s), " +
            $"errors {errors}{(errors > 0 ? $" (first: {firstError})" : "")}; host peak RSS {peakRss:F1} MiB, peak open fds {peakFds}; " +
            $"restart over {files} files: ready in {ready:F1} s, RSS {rssAfter:F1} MiB, fds {fdsAfter}");
    }
}
