[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: Parallelize(Workers = 4, Scope = ExecutionScope.MethodLevel)]

namespace Storage.Tests.Infrastructure;

/// <summary>Starts one nats-server and one PostgreSQL for the whole test assembly and stops them at the end.</summary>
[TestClass]
public static class TestEnvironment
{
    private static NatsServer? _nats;
    private static PostgresServer? _postgres;

    internal static NatsServer Nats => _nats ?? throw new InvalidOperationException("The test environment did not start.");

    internal static PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("The test environment did not start.");

    internal static string SqliteDirectory { get; } = Directory.CreateTempSubdirectory("storage-sqlite-").FullName;

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        var nats = NatsServer.StartAsync();
        var postgres = PostgresServer.StartAsync();
        _nats = await nats;
        _postgres = await postgres;
    }

    [AssemblyCleanup]
    public static async Task StopAsync()
    {
        await TestHosts.DisposeAllAsync();
        await TestBackends.DisposeAllAsync();
        _nats?.Dispose();
        _postgres?.Dispose();
        try { Directory.Delete(SqliteDirectory, recursive: true); } catch (IOException) { }
    }
}
