using System.Collections.Concurrent;
using System.Diagnostics;
using NATS.Client.Core;

namespace Storage.Bench.Infrastructure;

/// <summary>
/// The storage service as its own process (<c>dotnet Storage.Host.dll</c> from the bench's output),
/// so its CPU time and memory are measured alone, without the load generator.
/// </summary>
internal sealed class ServiceHost : IAsyncDisposable
{
    /// <summary>The plugin every service scenario acts as.</summary>
    public const string Plugin = "bench";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lastLines = new();

    private ServiceHost(string backend, Process process)
    {
        Backend = backend;
        _process = process;
    }

    public string Backend { get; }

    public int Pid => _process.Id;

    /// <summary>Set once by the first scenario needing the 100,000-row data set on this host.</summary>
    public Task<Scenarios.TriviaDataset>? Dataset { get; set; }

    /// <summary>The host's configuration switches: the backend, and a SQL rate limit high enough not to throttle the bench plugin.</summary>
    public static string[] Arguments(BenchContext context, string backend) =>
    [
        $"--Nats:Url={context.NatsUrl}",
        $"--Storage:Provider={backend}",
        $"--Storage:Sqlite:Directory={Path.Combine(context.WorkDirectory, "service-sqlite")}",
        $"--Storage:Postgres:ConnectionString={context.PostgresConnectionString}",
        $"--Sql:PerPlugin:{Plugin}:PermitsPerSecond=1000000",
        $"--Sql:PerPlugin:{Plugin}:Burst=10000000",
        "--Logging:LogLevel:Default=Warning",
    ];

    public static async Task<ServiceHost> StartAsync(BenchContext context, string backend, CancellationToken cancellationToken, params string[] extraArguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Storage.Host.dll");
        var dotnet = Processes.FindExecutable("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH.");
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in Arguments(context, backend).Concat(extraArguments))
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start Storage.Host.");
        var host = new ServiceHost(backend, process);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitReadyAsync(context, cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the host shuts down gracefully (flushes, closes the databases).
            Processes.Run("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _lastLines.Enqueue(line);
        while (_lastLines.Count > 40)
            _lastLines.TryDequeue(out _);
    }

    private async Task WaitReadyAsync(BenchContext context, CancellationToken cancellationToken)
    {
        await using var client = new NatsConnection(NatsOpts.Default with { Url = context.NatsUrl, RequestTimeout = TimeSpan.FromSeconds(5) });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Storage.Host exited with {_process.ExitCode}:\n{string.Join('\n', _lastLines)}");
            try
            {
                await client.RequestAsync<byte[], byte[]>($"db.kv.{Plugin}.get", """{"key":"ready"}"""u8.ToArray(), cancellationToken: cancellationToken);
                return;
            }
            catch (NatsNoRespondersException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
