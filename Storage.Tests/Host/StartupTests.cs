using System.Globalization;
using Storage.Host;
using Storage.Host.Health;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>An unreachable dependency at start fails the host after the configured retry, with a message that names it.</summary>
[TestClass]
public sealed class StartupTests
{
    [TestMethod]
    public async Task An_unreachable_nats_server_fails_the_start_with_a_clear_message()
    {
        var port = FreePort.Next();
        using var host = StorageHostBuilder.Create([
            .. TestHosts.Arguments(Backend.Sqlite, $"nats://user:hunter2@127.0.0.1:{port}"),
            "--Nats:ConnectRetrySeconds=1",
        ]).Build();
        var error = await Assert.ThrowsExactlyAsync<StartupException>(() => host.StartAsync());
        Assert.StartsWith($"Cannot reach NATS at nats://user:***@127.0.0.1:{port} after ", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [TestMethod]
    public async Task An_unreachable_postgres_fails_the_start_with_a_clear_message()
    {
        var port = FreePort.Next();
        using var host = StorageHostBuilder.Create([
            .. TestHosts.Arguments(Backend.Postgres, TestEnvironment.Nats.Url),
            $"--Storage:Postgres:ConnectionString=Host=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Timeout=2",
            "--Storage:ConnectRetrySeconds=1",
        ]).Build();
        var error = await Assert.ThrowsExactlyAsync<StartupException>(() => host.StartAsync());
        Assert.StartsWith("Cannot reach the Postgres database after ", error.Message);
    }

    [TestMethod]
    public async Task An_unwritable_sqlite_directory_fails_the_start_with_a_clear_message()
    {
        var file = Path.GetTempFileName();
        try
        {
            using var host = StorageHostBuilder.Create([
                .. TestHosts.Arguments(Backend.Sqlite, TestEnvironment.Nats.Url),
                $"--Storage:Sqlite:Directory={file}/data",
                "--Storage:ConnectRetrySeconds=0",
            ]).Build();
            var error = await Assert.ThrowsExactlyAsync<StartupException>(() => host.StartAsync());
            Assert.Contains($"The SQLite directory '{file}/data' is not writable", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public async Task The_host_process_exits_with_code_1_and_one_line_on_stderr()
    {
        var port = FreePort.Next();
        using var process = await HostProcess.StartAsync([
            $"--Nats:Url=nats://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--Nats:ConnectRetrySeconds=1",
            $"--Storage:Sqlite:Directory={TestEnvironment.SqliteDirectory}",
        ], waitUntilReady: false);
        Assert.AreEqual(1, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Cannot reach NATS at nats://127.0.0.1:{port} after ", process.Output);
    }
}
