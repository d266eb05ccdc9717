using System.Diagnostics;

namespace Storage.Tests.Infrastructure;

/// <summary>A real nats-server with JetStream on a free loopback port, in its own temp directory.</summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string? _configFile;
    private Process _process;

    private NatsServer(Process process, int port, string directory, string? configFile)
    {
        _process = process;
        Port = port;
        Directory = directory;
        _configFile = configFile;
    }

    public int Port { get; }

    public string Directory { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static async Task<NatsServer> StartAsync(string? configFile = null)
    {
        var binary = ProcessRunner.FindExecutable("nats-server")
            ?? throw new InvalidOperationException("nats-server is not installed. Install it with: apt-get install -y nats-server (or run .ci/run, which does).");
        var port = FreePort.Next();
        var directory = System.IO.Directory.CreateTempSubdirectory("storage-nats-").FullName;
        var server = new NatsServer(Launch(binary, port, directory, configFile), port, directory, configFile);
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(15), server.ReadLog);
        return server;
    }

    /// <summary>Kills the server and starts it again on the same port and store (a NATS restart).</summary>
    public async Task RestartAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = Launch(ProcessRunner.FindExecutable("nats-server")!, Port, Directory, _configFile);
        await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(15), ReadLog);
    }

    private static Process Launch(string binary, int port, string directory, string? configFile)
    {
        var info = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        foreach (var a in new[] { "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", Path.Combine(directory, "js"), "-l", Path.Combine(directory, "nats.log") })
            info.ArgumentList.Add(a);
        if (configFile is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(configFile);
        }
        return Process.Start(info) ?? throw new InvalidOperationException("Could not start nats-server.");
    }

    public string ReadLog()
    {
        var log = Path.Combine(Directory, "nats.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no nats log)";
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        }
    }
}
