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
        await using (var command = schema.CreateCommand("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x'), ('y');"))
            await command.ExecuteNonQueryAsync();
        // A pooled read connection stays open, which keeps SQLite from checkpointing on its own.
        await using (var read = await database.OpenPluginAsync(plugin, PluginAccess.Read, CancellationToken.None))
        await using (var command = read.CreateCommand("SELECT count(*) FROM t"))
            Assert.AreEqual(2L, await command.ExecuteScalarAsync());
        var wal = Path.Combine(directory, plugin.Value + ".db-wal");
        Assert.IsTrue(File.Exists(wal) && new FileInfo(wal).Length > 0, "the writes are in the WAL before the stop");

        await provider.DisposeAsync();

        Assert.IsFalse(File.Exists(wal) && new FileInfo(wal).Length > 0, "no -wal content after a clean stop");
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(directory, plugin.Value + ".db")};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM t";
        Assert.AreEqual(2L, count.ExecuteScalar());
    }
}
