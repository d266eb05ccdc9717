using Npgsql;
using Storage.Core;
using Storage.Core.Providers;
using Storage.Migrations;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Migrations.MigrationTestData;

namespace Storage.Tests.Migrations;

/// <summary>
/// What one migration costs PostgreSQL must not grow with the number of plugins. The journal
/// functions check the migration's ticket; called once per row of a table scan instead of once per
/// call, 1,000 plugins made every migration check it 1,000 times, and the fleet run spent most of the
/// server's CPU there. PostgreSQL-only: the SQLite journal is in the plugin's own file.
/// </summary>
[TestClass]
public sealed class PostgresMigrationCostTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task A_migration_checks_its_ticket_a_fixed_number_of_times_however_many_plugins_exist()
    {
        var database = TestBackends.Get<IPluginDatabase>(Backend.Postgres);
        var others = Enumerable.Range(0, 60).Select(_ => TestPlugins.New("crowd")).ToList();
        await Task.WhenAll(others.Select(async p => { await using var _ = await database.OpenServiceAsync(p, None); }));
        var plugin = TestPlugins.New("counted");
        await using (var _ = await database.OpenServiceAsync(plugin, None)) { }
        // Only this plugin's sessions count function calls; its role has not logged in yet.
        await ExecuteAsync($"ALTER ROLE {PluginConnection.QuoteIdentifier(PostgresNames.Role(plugin))} SET track_functions = 'pl'");
        Assert.IsGreaterThanOrEqualTo(61L, (long)(await ScalarAsync("SELECT count(*) FROM _storage.plugins"))!);

        await TestBackends.Get<IMigrator>(Backend.Postgres).ApplyAsync(plugin, Apply(Tables(1)), None);

        // A backend reports its counts once idle for a second: poll until they arrive.
        var deadline = Eventually.From(DateTime.UtcNow);
        long calls;
        while ((calls = (long)(await ScalarAsync(
                   "SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_user_functions WHERE schemaname = '_storage_migrate' AND funcname = 'checked_schema'"))!) == 0
               && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.IsGreaterThan(0L, calls, "the plugin's session counted no call at all");
        // run, lock, journal_add and changed check it once each.
        Assert.IsLessThanOrEqualTo(8L, calls, $"{calls} ticket checks for one migration with at least 61 plugins");
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres.AdminConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres.AdminConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
