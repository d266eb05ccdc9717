using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// What an open plugin costs (docs/operations.md, "Open files on SQLite"): connections on plugin
/// files run with a small lookaside, and a plugin the LRU closed comes back with its data and the
/// same guard as before.
/// </summary>
[TestClass]
public sealed class SqliteConnectionMemoryTests
{
    private const int LookasideUsed = 0; // SQLITE_DBSTATUS_LOOKASIDE_USED
    private const int LookasideMissFull = 6; // SQLITE_DBSTATUS_LOOKASIDE_MISS_FULL
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public void The_page_caches_of_all_open_plugins_share_one_limit_for_the_process()
    {
        // Every SqliteDatabase of this test run uses the default, so parallel tests cannot race on it.
        _ = TestBackends.Get<IPluginDatabase>(Backend.Sqlite);
        Assert.AreEqual(new SqliteOptions().CacheLimitMiB * 1024L * 1024L, raw.sqlite3_soft_heap_limit64(-1));
        Assert.AreEqual(256, new SqliteOptions().CacheLimitMiB);
    }

    [TestMethod]
    [DataRow(PluginAccess.Read)]
    [DataRow(PluginAccess.Write)]
    [DataRow(null)]
    public async Task Connections_on_plugin_files_keep_at_most_64_lookaside_slots(PluginAccess? access)
    {
        var database = TestBackends.Get<IPluginDatabase>(Backend.Sqlite);
        var plugin = TestPlugins.New("lookaside");
        await using (var schema = await database.OpenPluginAsync(plugin, PluginAccess.Schema, None))
        await using (var create = schema.CreateCommand("CREATE TABLE t (a INTEGER, b TEXT, c REAL)"))
            await create.ExecuteNonQueryAsync(None);
        await using var connection = access is { } a ? await database.OpenPluginAsync(plugin, a, None) : await database.OpenServiceAsync(plugin, None);

        // A statement whose parse needs far more small allocations than 64 slots hold.
        var columns = string.Join(", ", Enumerable.Range(0, 300).Select(i => $"a + {i} AS x{i}, upper(b) || '{i}' AS y{i}"));
        await using (var command = connection.CreateCommand($"SELECT {columns} FROM t WHERE a > 1 AND b LIKE 'x%' ORDER BY c"))
            await (await command.ExecuteReaderAsync(None)).DisposeAsync();

        var handle = ((SqliteConnection)connection.Connection).Handle!;
        Assert.AreEqual(raw.SQLITE_OK, raw.sqlite3_db_status(handle, LookasideUsed, out _, out var highWater, 0));
        Assert.AreEqual(raw.SQLITE_OK, raw.sqlite3_db_status(handle, LookasideMissFull, out _, out var missFull, 0));
        Assert.IsLessThanOrEqualTo(SqliteConnectionMemory.LookasideSlots, highWater, "slots in use at most");
        Assert.IsGreaterThan(0, missFull, "the parse ran out of slots and fell back to malloc: the small lookaside is the one in place");
    }

    [TestMethod]
    public async Task A_plugin_closed_by_the_LRU_reopens_with_its_data_and_its_authorizer()
    {
        var directory = Directory.CreateTempSubdirectory("storage-lru-").FullName;
        var options = new StorageOptions();
        TestBackends.Configure(Backend.Sqlite, options);
        options.Sqlite.Directory = directory;
        options.Sqlite.MaxOpenPlugins = 1;
        using var database = new SqliteDatabase(Options.Create(options));
        var (first, second) = (TestPlugins.New("lru"), TestPlugins.New("lru"));
        await using (var schema = await database.OpenPluginAsync(first, PluginAccess.Schema, None))
        await using (var create = schema.CreateCommand("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')"))
            await create.ExecuteNonQueryAsync(None);
        SqliteConnection before;
        await using (var read = await database.OpenPluginAsync(first, PluginAccess.Read, None))
            before = (SqliteConnection)read.Connection;

        await using (var other = await database.OpenPluginAsync(second, PluginAccess.Read, None))
            Assert.AreEqual(1, database.Files.Count, "opening a second plugin closed the first");
        Assert.AreEqual(System.Data.ConnectionState.Closed, before.State, "the first plugin's pooled connection was closed");

        await using var again = await database.OpenPluginAsync(first, PluginAccess.Read, None);
        Assert.AreNotSame(before, again.Connection, "a new connection on the reopened file");
        await using (var select = again.CreateCommand("SELECT v FROM t"))
            Assert.AreEqual("kept", await select.ExecuteScalarAsync(None));
        // SQLITE_AUTH (23): the authorizer refused them, not the read-only open mode.
        foreach (var sql in new[] { "ATTACH DATABASE ':memory:' AS other", "PRAGMA journal_mode=DELETE", "CREATE TEMP TABLE x (v)" })
        {
            await using var command = again.CreateCommand(sql);
            var error = await Assert.ThrowsExactlyAsync<SqliteException>(() => command.ExecuteNonQueryAsync(None), sql);
            Assert.AreEqual(23, error.SqliteErrorCode, sql);
        }
    }
}
