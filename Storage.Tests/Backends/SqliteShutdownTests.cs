using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>A clean stop checkpoints every SQLite file it opened, so no -wal content is left behind.</summary>
[TestClass]
public sealed class SqliteShutdownTests
{
    [TestMethod]
    public async Task Disposing_the_service_leaves_no_wal_content()
    {
        var directory = Path.Combine(TestEnvironment.SqliteDirectory, "shutdown-" + Guid.NewGuid().ToString("N")[..8]);
        var provider = TestBackends.Build(Backend.Sqlite, options => options.Sqlite.Directory = directory);
        var database = provider.GetRequiredService<IPluginDatabase>();
        var plugin = TestPlugins.New("wal");
        await using (var schema = await database.OpenPluginAsync(plugin, PluginAccess.Schema, CancellationToken.None))
        await using (var command = schema.CreateCommand("CREATE TABLE t (v TEXT)"))
            await command.ExecuteNonQueryAsync();
        var wal = Path.Combine(directory, plugin.Value + ".db-wal");
        // An open read connection keeps SQLite from checkpointing and removing the WAL on its own.
        var read = await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None);
        await using (var write = await database.OpenPluginAsync(plugin, PluginAccess.Write, CancellationToken.None))
        await using (var command = write.CreateCommand("INSERT INTO t VALUES ('x'), ('y')"))
            await command.ExecuteNonQueryAsync();
        Assert.IsTrue(File.Exists(wal) && new FileInfo(wal).Length > 0, "the writes are in the WAL before the stop");
        await read.DisposeAsync(); // back to the pool, still open

        await provider.DisposeAsync();

        Assert.IsFalse(File.Exists(wal) && new FileInfo(wal).Length > 0, "no -wal content after a clean stop");
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, plugin.Value + ".db")};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM t";
        Assert.AreEqual(2L, count.ExecuteScalar());
    }
}
