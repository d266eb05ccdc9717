using Microsoft.Extensions.Options;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// A PostgreSQL cluster of its own with a low <c>max_connections</c>, so counts in
/// <c>pg_stat_activity</c> are this test class's alone, and helpers to look at them.
/// </summary>
internal sealed class PostgresBudgetCluster : IDisposable
{
    private PostgresBudgetCluster(PostgresServer server) => Server = server;

    public PostgresServer Server { get; }

    public static async Task<PostgresBudgetCluster> StartAsync(int maxConnections) =>
        new(await PostgresServer.StartAsync(maxConnections));

    public PostgresDatabase Database(Action<PostgresOptions> configure, TimeProvider? clock = null, int maxCachedPlugins = 10_000)
    {
        var options = new StorageOptions { Provider = StorageProvider.Postgres, MaxCachedPlugins = maxCachedPlugins };
        options.Postgres.ConnectionString = Server.AdminConnectionString();
        configure(options.Postgres);
        return new PostgresDatabase(Options.Create(options), clock: clock);
    }

    /// <summary>Client sessions on the cluster other than the one asking (<paramref name="where"/> narrows them further).</summary>
    public async Task<int> SessionsAsync(string where = "true")
    {
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND ({where})", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    public Task<int> RoleSessionsAsync(PluginId plugin) => SessionsAsync($"usename = '{PostgresNames.Role(plugin)}'");

    /// <summary>Samples the number of client sessions until <paramref name="stop"/> is cancelled; returns the highest seen.</summary>
    public async Task<int> PeakSessionsAsync(CancellationToken stop, string where = "true")
    {
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString() + ";Pooling=false");
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND ({where})", connection);
        var peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, (int)(await command.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(10, CancellationToken.None);
        }
        return peak;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; the machine is loaded, so the deadline is generous.</summary>
    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = Eventually.From(DateTime.UtcNow);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new AssertFailedException($"Timed out waiting for {what}.");
            await Task.Delay(10);
        }
    }

    public void Dispose() => Server.Dispose();
}
