using System.Diagnostics;

namespace Storage.Tests.Infrastructure;

/// <summary>A real nats-server with JetStream on a free loopback port, in its own temp directory.</summary>
internal sealed class NatsServer : IDisposable
{
    private readonly Process _process;

    private NatsServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
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
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start nats-server.");
        var server = new NatsServer(process, port, directory);
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(15), server.ReadLog);
        return server;
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
