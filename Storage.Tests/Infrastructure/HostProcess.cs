using System.Collections.Concurrent;
using System.Diagnostics;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// The built host (<c>Storage.Host.dll</c>, copied next to the tests) run as a separate process, for
/// tests that kill it, signal it or run several of them.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private const string ReadyLine = "Storage service listening";
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the host with the given configuration switches and, unless told not to, waits until it
    /// serves; <paramref name="openFilesLimit"/> runs it under that <c>ulimit -n</c> (soft and hard, via prlimit).
    /// </summary>
    public static async Task<HostProcess> StartAsync(IEnumerable<string> arguments, bool waitUntilReady = true, int? openFilesLimit = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Storage.Host.dll");
        var info = new ProcessStartInfo(openFilesLimit is null ? "dotnet" : "prlimit")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        if (openFilesLimit is { } limit)
        {
            info.ArgumentList.Add($"--nofile={limit}:{limit}");
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.ArgumentList.Add("--Logging:LogLevel:Storage.Host.Nats.StorageService=Information");
        info.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitUntilReady)
            await host.WaitForOutputAsync(ReadyLine, TimeSpan.FromSeconds(90));
        return host;
    }

    public async Task WaitForOutputAsync(string fragment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_output.Any(line => line.Contains(fragment, StringComparison.Ordinal)))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"The host process did not print '{fragment}' (exited: {_process.HasExited}). Output:\n{Output}");
            await Task.Delay(25);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM: the host's graceful shutdown runs.</summary>
    public void Terminate() => ProcessRunner.Run("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
