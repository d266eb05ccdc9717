using System.Diagnostics;
using System.Globalization;

namespace Storage.Bench.Infrastructure;

/// <summary>A nats-server with JetStream (file storage) on a free loopback port, in its own temp directory.</summary>
internal sealed class BenchNatsServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private BenchNatsServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Url = $"nats://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string Url { get; }

    public static async Task<BenchNatsServer> StartAsync()
    {
        var binary = Processes.FindExecutable("nats-server")
            ?? throw new InvalidOperationException("nats-server is not installed: apt-get install -y nats-server");
        var port = Processes.FreePort();
        var directory = Directory.CreateTempSubdirectory("bench-nats-").FullName;
        // Output goes to a log file, never to an inherited pipe (a background server would hold it open).
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in new[] { "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", Path.Combine(directory, "js"), "-l", Path.Combine(directory, "nats.log") })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start nats-server.");
        await Processes.WaitForPortAsync(port, TimeSpan.FromSeconds(15));
        return new BenchNatsServer(process, directory, port);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
