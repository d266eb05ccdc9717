using System.Globalization;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster (initdb in a temp directory) on a free loopback port. As root it
/// runs as the postgres user, because PostgreSQL refuses to run as root.
/// </summary>
internal sealed class PostgresServer : IDisposable
{
    private readonly string _bin;
    private readonly int _maxConnections;

    private PostgresServer(string bin, string root, int port, int maxConnections)
    {
        _bin = bin;
        _maxConnections = maxConnections;
        Root = root;
        Port = port;
    }

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "pg");

    public int Port { get; }

    public string AdminConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=15;Command Timeout=60";

    /// <summary>Starts a cluster; <paramref name="maxConnections"/> is the server's <c>max_connections</c> (scale tests set it low).</summary>
    public static async Task<PostgresServer> StartAsync(int maxConnections = 300)
    {
        var bin = FindBinDirectory()
            ?? throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin. Install them with: apt-get install -y postgresql (or run .ci/run, which does).");
        var root = Directory.CreateTempSubdirectory("storage-pg-").FullName;
        var port = FreePort.Next();
        var server = new PostgresServer(bin, root, port, maxConnections);
        Directory.CreateDirectory(server.DataDirectory);
        if (ProcessRunner.IsRoot)
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
            ProcessRunner.Run("chown", ["postgres:", server.DataDirectory]);
        }
        File.SetUnixFileMode(server.DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        server.Check(ProcessRunner.Run(Path.Combine(bin, "initdb"),
            ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgresUser: true), "initdb");
        server.Start();
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(30), server.ReadLog);
        return server;
    }

    public void Start() => Check(ProcessRunner.Run(Path.Combine(_bin, "pg_ctl"),
        ["-D", DataDirectory, "-l", Path.Combine(DataDirectory, "server.log"), "-w", "-t", "30", "-o",
         $"-c listen_addresses=127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -k {DataDirectory} -c fsync=off -c max_connections={_maxConnections.ToString(CultureInfo.InvariantCulture)}", "start"],
        asPostgresUser: true), "pg_ctl start");

    public void Stop() => ProcessRunner.Run(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], asPostgresUser: true);

    public string ReadLog()
    {
        var log = Path.Combine(DataDirectory, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no server log)";
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private void Check((int ExitCode, string Output) result, string step)
    {
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"PostgreSQL {step} failed ({result.ExitCode}): {result.Output}\n{ReadLog()}");
    }

    private static string? FindBinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : new Version(0, 0))
                .FirstOrDefault()
            : null;
}
