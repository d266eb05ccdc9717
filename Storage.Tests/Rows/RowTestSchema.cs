using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Rows;

/// <summary>
/// Creates plugin tables for row tests with DDL run on the plugin's own Schema connection (plugin
/// privileges, as migrations will), then tells the schema observers, as the migrations tier does.
/// </summary>
internal static class RowTestSchema
{
    /// <summary>A table with one column of every supported kind.</summary>
    public const string ItemsPostgres = """
        CREATE TABLE items (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            qty integer,
            price numeric(10,2),
            score double precision,
            active boolean,
            created_at timestamptz,
            day date,
            tags jsonb,
            meta json,
            code varchar(20) UNIQUE
        );
        """;

    public const string ItemsSqlite = """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            qty INTEGER,
            price NUMERIC,
            score REAL,
            active BOOLEAN,
            created_at TIMESTAMP,
            day DATE,
            tags JSON,
            meta JSON,
            code VARCHAR(20) UNIQUE
        );
        """;

    public static Task CreateItemsAsync(string backend, PluginId plugin) =>
        RunAsync(backend, plugin, backend == Backend.Postgres ? ItemsPostgres : ItemsSqlite);

    /// <summary>An auto-assigned integer primary key column named id.</summary>
    public static string IdColumn(string backend) => backend == Backend.Postgres ? "id bigserial PRIMARY KEY" : "id INTEGER PRIMARY KEY";

    /// <summary>Runs DDL as the plugin (PluginAccess.Schema) and drops catalog caches.</summary>
    public static Task RunAsync(string backend, PluginId plugin, string sql) => RunAsync(TestBackends.Get(backend), plugin, sql);

    public static async Task RunAsync(IServiceProvider services, PluginId plugin, string sql)
    {
        var database = services.GetRequiredService<IPluginDatabase>();
        await using (var connection = await database.OpenPluginAsync(plugin, PluginAccess.Schema, CancellationToken.None))
        {
            await using var command = connection.CreateCommand(sql);
            await command.ExecuteNonQueryAsync();
        }
        foreach (var observer in services.GetServices<IPluginSchemaObserver>())
            observer.SchemaChanged(plugin);
    }

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
