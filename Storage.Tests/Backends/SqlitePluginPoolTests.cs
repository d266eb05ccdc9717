using Microsoft.Data.Sqlite;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>Pooled SQLite plugin connections come back with their guard intact and their state clean.</summary>
[TestClass]
public sealed class SqlitePluginPoolTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task A_reused_read_connection_still_refuses_writes_and_attach()
    {
        var database = TestBackends.Get<IPluginDatabase>(Backend.Sqlite);
        var plugin = TestPlugins.New("pool");
        await using (var schema = await database.OpenPluginAsync(plugin, PluginAccess.Schema, None))
        await using (var create = schema.CreateCommand("CREATE TABLE t (v TEXT)"))
            await create.ExecuteNonQueryAsync(None);

        SqliteConnection first;
        await using (var read = await database.OpenPluginAsync(plugin, PluginAccess.Read, None))
            first = (SqliteConnection)read.Connection;
        await using var again = await database.OpenPluginAsync(plugin, PluginAccess.Read, None);

        Assert.AreSame(first, again.Connection, "the idle connection is reused");
        foreach (var sql in new[] { "INSERT INTO t VALUES ('x')", "ATTACH DATABASE ':memory:' AS other", "SELECT * FROM _storage_kv" })
        {
            await using var command = again.CreateCommand(sql);
            await Assert.ThrowsExactlyAsync<SqliteException>(() => command.ExecuteNonQueryAsync(None), sql);
        }
    }

    [TestMethod]
    public async Task A_connection_left_inside_a_transaction_or_opened_for_migrations_is_not_reused()
    {
        var database = TestBackends.Get<IPluginDatabase>(Backend.Sqlite);
        var plugin = TestPlugins.New("pool");

        SqliteConnection inTransaction;
        await using (var write = await database.OpenPluginAsync(plugin, PluginAccess.Write, None))
        {
            inTransaction = (SqliteConnection)write.Connection;
            await using var begin = write.CreateCommand("BEGIN");
            await begin.ExecuteNonQueryAsync(None);
        }
        await using (var next = await database.OpenPluginAsync(plugin, PluginAccess.Write, None))
            Assert.AreNotSame(inTransaction, next.Connection);

        SqliteConnection schemaConnection;
        await using (var schema = await database.OpenPluginAsync(plugin, PluginAccess.Schema, None))
            schemaConnection = (SqliteConnection)schema.Connection;
        await using var nextSchema = await database.OpenPluginAsync(plugin, PluginAccess.Schema, None);
        Assert.AreNotSame(schemaConnection, nextSchema.Connection);
    }
}
