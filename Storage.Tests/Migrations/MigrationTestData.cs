using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Migrations;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Migrations;

/// <summary>Migrations that run on both backends, and helpers to look at a plugin's tables from the service side.</summary>
internal static class MigrationTestData
{
    public static Migration Table(int n) => new(
        $"{n:D3}",
        MigrationSql.Both($"CREATE TABLE t{n:D3} (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE INDEX t{n:D3}_name ON t{n:D3} (name);"),
        MigrationSql.Both($"DROP TABLE t{n:D3};"));

    public static List<Migration> Tables(int count) => Enumerable.Range(1, count).Select(Table).ToList();

    public static MigrationApplyRequest Apply(IEnumerable<Migration> migrations, bool? dryRun = null) => new(migrations.ToList(), dryRun);

    public static async Task<bool> TableExistsAsync(string backend, PluginId plugin, string table)
    {
        var database = TestBackends.Get<IPluginDatabase>(backend);
        await using var connection = await database.OpenServiceAsync(plugin, CancellationToken.None);
        var sql = backend == Backend.Postgres
            ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = @schema AND tablename = @table"
            : "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = @table";
        await using var command = connection.CreateCommand(sql).With("schema", connection.Schema).With("table", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Runs service-side SQL and returns the first column of the first row.</summary>
    public static async Task<object?> ScalarAsync(string backend, PluginId plugin, string sql)
    {
        var database = TestBackends.Get<IPluginDatabase>(backend);
        await using var connection = await database.OpenServiceAsync(plugin, CancellationToken.None);
        await using var command = connection.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    public static string Schema(PluginId plugin) => PostgresNames.Schema(plugin);
}
