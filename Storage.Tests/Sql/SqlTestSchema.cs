using System.Text;
using Storage.Core;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

/// <summary>
/// Creates plugin tables and rows for SQL tests with the plugin's own Schema privileges, standing in
/// for migrations; and runs SQL-tier requests written as JSON, as a plugin sends them.
/// </summary>
internal static class SqlTestSchema
{
    public static async Task ExecuteAsync(string backend, PluginId plugin, string sql, IServiceProvider? services = null)
    {
        var database = (services ?? TestBackends.Get(backend)).GetService(typeof(IPluginDatabase)) as IPluginDatabase
            ?? throw new InvalidOperationException("No IPluginDatabase registered.");
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Schema, CancellationToken.None);
        await using var command = connection.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>items(id, name, qty, price, active, data, created) with three rows.</summary>
    public static async Task CreateItemsAsync(string backend, PluginId plugin, IServiceProvider? services = null)
    {
        var postgres = backend == Backend.Postgres;
        await ExecuteAsync(backend, plugin, $"""
            CREATE TABLE items (
                id integer PRIMARY KEY,
                name text NOT NULL,
                qty integer,
                price {(postgres ? "double precision" : "REAL")},
                active boolean,
                data {(postgres ? "jsonb" : "JSON")},
                created {(postgres ? "timestamptz" : "TEXT")})
            """, services);
        await ExecuteAsync(backend, plugin, """
            INSERT INTO items (id, name, qty, price, active, data, created) VALUES
              (1, 'apple', 3, 1.5, true, '{"a":"red","b":[1,2]}', '2025-11-22T10:30:00Z'),
              (2, 'pear', 0, 2.25, false, '[]', '2025-11-23T08:00:00Z'),
              (3, 'it''s :name', NULL, NULL, NULL, NULL, NULL)
            """, services);
    }

    public static SqlQueryRequest Request(string json) =>
        StorageJson.Deserialize(Encoding.UTF8.GetBytes(json), SqlJsonContext.Default.SqlQueryRequest);

    public static Task<SqlQueryResponse> RunAsync(string backend, PluginId plugin, string json, IServiceProvider? services = null) =>
        Runner(backend, services).QueryAsync(plugin, Request(json), CancellationToken.None);

    public static Task<SqlQueryResponse> QueryAsync(string backend, PluginId plugin, string query, bool allowWrite = false) =>
        Runner(backend).QueryAsync(plugin, new SqlQueryRequest(query, AllowWrite: allowWrite), CancellationToken.None);

    public static async Task<StorageException> FailAsync(string backend, PluginId plugin, string json, IServiceProvider? services = null)
    {
        try
        {
            var reply = await RunAsync(backend, plugin, json, services);
            throw new AssertFailedException($"Expected an error for {json}, got {reply.RowCount} rows: {reply.Rows}");
        }
        catch (StorageException ex)
        {
            return ex;
        }
    }

    public static ISqlRunner Runner(string backend, IServiceProvider? services = null) =>
        (services ?? TestBackends.Get(backend)).GetService(typeof(ISqlRunner)) as ISqlRunner
            ?? throw new InvalidOperationException("AddSql() is not registered.");

    /// <summary>A JSON string literal for embedding text in a request.</summary>
    public static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
