using System.Globalization;
using Npgsql;

namespace Storage.Bench.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster with production-like durability (fsync and synchronous_commit on,
/// the defaults), so commit costs are real. As root it runs as the postgres user.
/// </summary>
internal sealed class BenchPostgres : IDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly int _port;

    private BenchPostgres(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        _port = port;
    }

    /// <summary>The statements that took the server longest in all (nested ones too), as table rows; needs <c>statements</c> at start.</summary>
    public async Task<IReadOnlyList<string>> TopStatementsAsync(int count)
    {
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync(CancellationToken.None);
        await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection))
            await create.ExecuteNonQueryAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("""
            SELECT calls, total_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 120)
              FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT @count
            """, connection);
        command.Parameters.AddWithValue("count", count);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
        while (await reader.ReadAsync(CancellationToken.None))
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {reader.GetInt64(0)} | {reader.GetDouble(1) / 1000:F1} | `{reader.GetString(2).Replace("|", "\\|", StringComparison.Ordinal)}` |"));
        return rows;
    }

    private string Data => Path.Combine(_root, "pg");

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={_port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres;Maximum Pool Size=200;Timeout=30";

    /// <summary>
    /// Starts a cluster whose <c>max_connections</c> is <paramref name="maxConnections"/> (the fleet run uses 100, the server's default);
    /// with <paramref name="statements"/>, <c>pg_stat_statements</c> is loaded (see <see cref="TopStatementsAsync"/>).
    /// </summary>
    public static async Task<BenchPostgres> StartAsync(int maxConnections = 300, bool statements = false)
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
            throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql");
        var root = Directory.CreateTempSubdirectory("bench-pg-").FullName;
        var server = new BenchPostgres(bin, root, Processes.FreePort());
        Directory.CreateDirectory(server.Data);
        if (Processes.IsRoot)
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
            Processes.Run("chown", ["postgres:", server.Data]);
        }
        File.SetUnixFileMode(server.Data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Processes.Run(Path.Combine(bin, "initdb"), ["-D", server.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"], asPostgres: true);
        Processes.Run(Path.Combine(bin, "pg_ctl"),
            ["-D", server.Data, "-l", Path.Combine(server.Data, "server.log"), "-w", "-t", "30", "-o",
             $"-c listen_addresses=127.0.0.1 -p {server._port.ToString(CultureInfo.InvariantCulture)} -k {server.Data} -c max_connections={maxConnections.ToString(CultureInfo.InvariantCulture)} -c synchronous_commit=on"
             + (statements ? " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" : ""),
             "start"], asPostgres: true);
        await Processes.WaitForPortAsync(server._port, TimeSpan.FromSeconds(30));
        return server;
    }

    public void Dispose()
    {
        try
        {
            Processes.Run(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"], asPostgres: true);
        }
        finally
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
