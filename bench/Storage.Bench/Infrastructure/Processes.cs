using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Storage.Bench.Infrastructure;

/// <summary>Starting external tools (nats-server, PostgreSQL) for the benchmark run.</summary>
internal static class Processes
{
    public static bool IsRoot => Environment.UserName == "root";

    public static string? FindExecutable(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/usr/local/bin", "/usr/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Runs a tool to completion and throws with its output when it fails; as root, PostgreSQL tools run as postgres.</summary>
    public static void Run(string fileName, IEnumerable<string> arguments, bool asPostgres = false)
    {
        var sudo = asPostgres && IsRoot;
        var info = new ProcessStartInfo(sudo ? "runuser" : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            // runuser keeps the working directory, and the postgres user cannot enter /root.
            WorkingDirectory = "/tmp",
        };
        if (sudo)
            foreach (var a in new[] { "-u", "postgres", "--", fileName })
                info.ArgumentList.Add(a);
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within 120 s.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} failed ({process.ExitCode}): {output.Result}{error.Result}");
    }
}
