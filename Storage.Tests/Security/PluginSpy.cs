using System.Text.Json;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Migrations;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// A hostile PostgreSQL plugin's tools: a <c>seen</c> table and a <c>record(what)</c> function that
/// notes <c>current_user</c> whenever plugin code runs (and can write), raw connections as the plugin
/// role (its password read from <c>_storage.plugins</c> as the admin) and as the admin.
/// </summary>
internal sealed class PluginSpy(string backend, PluginId plugin)
{
    public PluginId Plugin { get; } = plugin;

    public string Schema => PluginConnection.QuoteIdentifier(PostgresNames.Schema(Plugin));

    public string Role => PostgresNames.Role(Plugin);

    public static string ServiceUser => new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres.AdminConnectionString()).Username!;

    /// <summary>Creates the seen table and the recording function (migration 001), qualified so they resolve for any caller.</summary>
    public Task InstallAsync() => MigrateAsync("001", $"""
        CREATE TABLE {Schema}.seen (who text NOT NULL, what text NOT NULL);
        GRANT INSERT ON {Schema}.seen TO PUBLIC;
        CREATE FUNCTION {Schema}.record(what text) RETURNS void LANGUAGE plpgsql AS $f$
        BEGIN
          INSERT INTO {Schema}.seen VALUES (current_user, what);
        EXCEPTION WHEN read_only_sql_transaction THEN NULL;
        END $f$;
        GRANT EXECUTE ON FUNCTION {Schema}.record(text) TO PUBLIC;
        """);

    public Task MigrateAsync(string version, string up) =>
        TestBackends.Get<IMigrator>(backend).ApplyAsync(Plugin, new MigrationApplyRequest([new Migration(version, MigrationSql.Both(up))]), CancellationToken.None);

    /// <summary>Who ran plugin code, as recorded; asserts it was only ever the plugin's own role.</summary>
    public async Task<List<string>> AssertOnlyThePluginRanAsync()
    {
        var seen = new List<string>();
        await using var admin = await AdminAsync();
        await using var command = new NpgsqlCommand($"SELECT who || ': ' || what FROM {Schema}.seen ORDER BY 1", admin);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            seen.Add(reader.GetString(0));
        var foreign = seen.Where(s => !s.StartsWith(Role + ": ", StringComparison.Ordinal)).ToList();
        Assert.IsEmpty(foreign, "plugin code ran as another role: " + string.Join("; ", foreign));
        return seen;
    }

    public static async Task<NpgsqlConnection> AdminAsync()
    {
        var connection = new NpgsqlConnection(TestEnvironment.Postgres.AdminConnectionString());
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A session logged in as the plugin's role, as a plugin's own client could hold one.</summary>
    public async Task<NpgsqlConnection> AsPluginAsync()
    {
        string password;
        await using (var admin = await AdminAsync())
        await using (var find = new NpgsqlCommand("SELECT password FROM _storage.plugins WHERE plugin = @p", admin))
        {
            find.Parameters.AddWithValue("p", Plugin.Value);
            password = (string)(await find.ExecuteScalarAsync())!;
        }
        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres.AdminConnectionString())
        {
            Username = Role, Password = password, SearchPath = PostgresNames.Schema(Plugin), Pooling = false,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
