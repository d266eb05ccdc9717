using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Embedding;

/// <summary>The tier libraries in an app of their own: no host, no NATS, maybe no logging.</summary>
[TestClass]
public sealed class EmbeddingTests
{
    [TestMethod]
    public async Task The_readme_snippet_is_this_code_and_it_runs()
    {
        var root = RepositoryRoot();
        var source = File.ReadAllLines(Path.Combine(root, "Storage.Tests", "Embedding", "EmbeddingSnippet.cs"));
        var begin = Array.FindIndex(source, l => l.Contains("README:embedding:begin", StringComparison.Ordinal));
        var end = Array.FindIndex(source, l => l.Contains("README:embedding:end", StringComparison.Ordinal));
        var indent = source[begin].IndexOf('/', StringComparison.Ordinal);
        var snippet = string.Join("\n", source[(begin + 1)..end].Select(l => l.Length > indent ? l[indent..] : l.TrimStart()));
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## Embedding", StringComparison.Ordinal)..];

        StringAssert.Contains(section, "```csharp\n" + snippet + "\n```", "README's Embedding snippet differs from EmbeddingSnippet.cs");
        var directory = Directory.CreateTempSubdirectory("storage-embed-").FullName;
        Assert.AreEqual("hello [{\"two\":2}]", await EmbeddingSnippet.RunAsync(directory));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Without_AddLogging_every_tier_resolves_and_works(string backend)
    {
        var services = new ServiceCollection();
        services.AddPluginStorage(o => TestBackends.Configure(backend, o)).AddKv().AddRows().AddSql().AddMigrations();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var plugin = TestPlugins.New("emb");
        var reply = await provider.GetRequiredService<ISqlRunner>().QueryAsync(plugin, new SqlQueryRequest("SELECT 2 AS n"), default);
        Assert.AreEqual("""[{"n":2}]""", reply.Rows.GetRawText());
        Assert.IsNotNull(provider.GetRequiredService<IKvStore>());
        Assert.IsNotNull(provider.GetRequiredService<IRowStore>());
        Assert.IsNotNull(provider.GetRequiredService<IMigrator>());
        Assert.IsNotEmpty(provider.GetServices<IHostedService>().ToList(), "the KV sweeper resolves too");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_synchronous_dispose_of_the_container_closes_every_connection(string backend)
    {
        var application = $"embed-{Guid.NewGuid():N}"[..20];
        var directory = Directory.CreateTempSubdirectory("storage-embed-").FullName;
        var services = new ServiceCollection();
        services.AddPluginStorage(o =>
        {
            TestBackends.Configure(backend, o);
            o.Sqlite.Directory = directory;
            o.Postgres.ConnectionString += $";Application Name={application}";
        }).AddKv().AddRows().AddSql().AddMigrations();
        var provider = services.BuildServiceProvider();
        var plugin = TestPlugins.New("emb");
        await provider.GetRequiredService<IKvStore>().SetAsync(plugin, new KvSetRequest("k", JsonDocument.Parse("1").RootElement), default);
        await provider.GetRequiredService<ISqlRunner>().QueryAsync(plugin, new SqlQueryRequest("SELECT 1"), default);
        Assert.IsGreaterThan(0, await OpenConnectionsAsync(backend, application, directory), "connections are open before the dispose");

        provider.Dispose();

        // The server ends a closed session's backend a moment after the client left.
        Assert.AreEqual(0, await SettledAsync(() => OpenConnectionsAsync(backend, application, directory)));
    }

    [TestMethod]
    [DataRow("BusyTimeoutMs", "Storage:Sqlite:BusyTimeoutMs must be >= 0, was -5")]
    [DataRow("Directory", "Storage:Sqlite:Directory is required, was null")]
    [DataRow("MaxOpenPlugins", "Storage:Sqlite:MaxOpenPlugins must be <= 1000000, was 2000000")]
    [DataRow("Postgres", "Storage:Postgres:MaxConnections must be >= 3, was 1")]
    public void Nested_options_are_validated_at_start_naming_the_key(string setting, string message)
    {
        var services = new ServiceCollection();
        services.AddPluginStorage(o =>
        {
            TestBackends.Configure(setting == "Postgres" ? Backend.Postgres : Backend.Sqlite, o);
            switch (setting)
            {
                case "BusyTimeoutMs": o.Sqlite.BusyTimeoutMs = -5; break;
                case "Directory": o.Sqlite.Directory = null!; break;
                case "MaxOpenPlugins": o.Sqlite.MaxOpenPlugins = 2_000_000; break;
                default: o.Postgres.MaxConnections = 1; break;
            }
        }).AddKv();
        using var provider = services.BuildServiceProvider();

        var error = Assert.ThrowsExactly<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StorageOptions>>().Value);
        StringAssert.Contains(error.Message, message);
    }

    [TestMethod]
    public async Task An_existing_data_source_serves_the_service_connections()
    {
        var application = $"embed-ds-{Guid.NewGuid():N}"[..24];
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres.AdminConnectionString()) { ApplicationName = application };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        var services = new ServiceCollection();
        services.AddPluginStorage(dataSource).AddKv().AddSql();
        var plugin = TestPlugins.New("emb");

        await using (var provider = services.BuildServiceProvider())
        {
            var kv = provider.GetRequiredService<IKvStore>();
            await kv.SetAsync(plugin, new KvSetRequest("k", JsonDocument.Parse("7").RootElement), default);
            var sql = await provider.GetRequiredService<ISqlRunner>().QueryAsync(plugin, new SqlQueryRequest("SELECT session_user AS who"), default);

            Assert.AreEqual("7", (await kv.GetAsync(plugin, new KvGetRequest("k"), default)).Value?.GetRawText());
            Assert.AreEqual(Storage.Core.Providers.PostgresNames.Role(plugin), sql.Rows[0].GetProperty("who").GetString(), "plugin SQL runs as the plugin's role");
            Assert.IsGreaterThan(0, await OpenConnectionsAsync(Backend.Postgres, application, "", serviceOnly: true), "the service's connections come from the app's data source");
        }
        Assert.AreEqual(0, await SettledAsync(() => OpenConnectionsAsync(Backend.Postgres, application, "", pluginOnly: true)), "disposing the container closed the plugin connections");
        await dataSource.DisposeAsync();
        Assert.AreEqual(0, await SettledAsync(() => OpenConnectionsAsync(Backend.Postgres, application, "")), "the service's connections went back to the app's pool, closed with it");
    }

    private static async Task<int> OpenConnectionsAsync(string backend, string application, string directory, bool serviceOnly = false, bool pluginOnly = false)
    {
        if (backend == Backend.Sqlite)
            return new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
                .Count(fd => fd.LinkTarget is { } target && target.StartsWith(directory + "/", StringComparison.Ordinal));
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres.AdminConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @a" + (serviceOnly ? " AND usename = current_user" : pluginOnly ? " AND usename <> current_user" : ""), connection);
        command.Parameters.AddWithValue("a", application);
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    // Polls a count until it reaches 0 or the generous deadline passes; returns the last count.
    private static async Task<int> SettledAsync(Func<Task<int>> count)
    {
        var deadline = Eventually.From(DateTime.UtcNow);
        int last;
        while ((last = await count()) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return last;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Storage.sln")))
            directory = directory.Parent;
        Assert.IsNotNull(directory, "the repository root (Storage.sln) is above the test assembly");
        return directory.FullName;
    }
}
