using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Reliability;

/// <summary>
/// The SQLite host as a real process under a low open-files limit (<c>prlimit --nofile=256</c>) with
/// more plugin files than the limit: it starts, serves, sweeps and restarts without dying, and a
/// request whose file cannot be opened gets UNAVAILABLE.
/// </summary>
[TestClass]
public sealed class OpenFilesLimitTests
{
    private const int Limit = 256;
    private const int Files = 300;

    [TestMethod]
    public async Task A_host_under_a_low_open_files_limit_serves_sweeps_and_restarts_over_more_files_than_the_limit()
    {
        var directory = Directory.CreateTempSubdirectory("storage-nofile-").FullName;
        var plugins = Enumerable.Range(0, Files).Select(i => PluginId.Parse($"nofile-{i:D4}")).ToList();
        await WriteAsync(directory, plugins, ttl: 1);
        using var nats = await NatsServer.StartAsync();
        await using var client = new NatsConnection(NatsOpts.Default with { Url = nats.Url, RequestTimeout = TimeSpan.FromSeconds(30) });
        string[] arguments = [.. TestHosts.Arguments(Backend.Sqlite, nats.Url), $"--Storage:Sqlite:Directory={directory}", "--Kv:SweepIntervalSeconds=1",
            "--Logging:LogLevel:Storage.Core.Internal.SqliteDatabase=Information"];

        using (var host = await HostProcess.StartAsync(arguments, openFilesLimit: Limit))
        {
            Assert.Contains("what the open-files limit 256 allows", host.Output, "the default maximum was fitted to the limit");
            Assert.DoesNotContain("already in use in this process", host.Output, "the host turned SQLite's page-cache bulk allocation off before its first connection");
            // Every file is read, and 50 new plugins are created, 16 requests at a time.
            var fresh = Enumerable.Range(0, 50).Select(i => $"nofile-new-{i:D2}");
            await Parallel.ForEachAsync(plugins.Select(p => p.Value).Concat(fresh), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (plugin, ct) =>
            {
                var reply = await RequestAsync(client, $"db.kv.{plugin}.set", """{"key":"live","value":1}""", ct);
                Assert.IsFalse(reply.TryGetProperty("error", out _), reply.ToString());
            });
            await WaitUntilSweptAsync(directory, plugins[^1], host);
            Assert.IsFalse(host.HasExited, host.Output);
            Assert.IsLessThanOrEqualTo(Limit / 2, Handles(host.Id, directory), "the host's handles on plugin files stay within the clamped bound");

            // A file that cannot be opened fails that request only, as UNAVAILABLE.
            Directory.CreateDirectory(Path.Combine(directory, "nofile-broken.db"));
            var broken = await RequestAsync(client, "db.kv.nofile-broken.get", """{"key":"k"}""", CancellationToken.None);
            Assert.AreEqual("UNAVAILABLE", broken.GetProperty("error").GetProperty("code").GetString(), broken.ToString());
            Assert.IsFalse(host.HasExited, host.Output);

            host.Terminate();
            Assert.AreEqual(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(30)), host.Output);
        }

        // Expired entries written while it was down must be swept by the restarted host, over every file.
        await WriteAsync(directory, [plugins[^1]], ttl: 1);
        using (var restarted = await HostProcess.StartAsync(arguments, openFilesLimit: Limit))
        {
            var reply = await RequestAsync(client, $"db.kv.{plugins[0]}.get", """{"key":"live"}""", CancellationToken.None);
            Assert.IsTrue(reply.GetProperty("exists").GetBoolean(), reply.ToString());
            await WaitUntilSweptAsync(directory, plugins[^1], restarted);
            Assert.IsFalse(restarted.HasExited, restarted.Output);
        }
    }

    private static async Task<JsonElement> RequestAsync(NatsConnection client, string subject, string body, CancellationToken cancellationToken)
    {
        var reply = await client.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(body), cancellationToken: cancellationToken);
        return JsonDocument.Parse(reply.Data ?? []).RootElement.Clone();
    }

    // Writes a key that expires after ttl seconds to each plugin's file, in this process.
    private static async Task WriteAsync(string directory, IReadOnlyList<PluginId> plugins, int ttl)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPluginStorage(o =>
        {
            TestBackends.Configure(Backend.Sqlite, o);
            o.Sqlite.Directory = directory;
            o.Sqlite.MaxOpenPlugins = 8;
        }).AddKv();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IKvStore>();
        await Parallel.ForEachAsync(plugins, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (plugin, ct) =>
            await store.SetAsync(plugin, new KvSetRequest("short", JsonDocument.Parse("1").RootElement.Clone(), Ttl: ttl), ct));
    }

    private static async Task WaitUntilSweptAsync(string directory, PluginId plugin, HostProcess host)
    {
        var path = Path.Combine(directory, plugin.Value + ".db");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            Assert.IsFalse(host.HasExited, host.Output);
            await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT count(*) FROM {ServiceTables.Kv} WHERE key = 'short'";
                if (Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 0)
                    return;
            }
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"The sweep did not reach {plugin} within 120 s. Output:\n{host.Output}");
            await Task.Delay(250);
        }
    }

    private static int Handles(int pid, string directory) =>
        Directory.EnumerateFiles($"/proc/{pid}/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget?.StartsWith(directory + "/", StringComparison.Ordinal) == true;
            }
            catch (IOException)
            {
                return false;
            }
        });
}
