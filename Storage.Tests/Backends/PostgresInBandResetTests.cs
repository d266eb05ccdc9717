using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Storage.Core;
using Storage.Core.Providers;
using Storage.Core.Internal;
using Storage.Rows;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// A PostgreSQL plugin connection's reset (<c>DISCARD ALL</c>) carried in the round trip of the lease's
/// last statement (a row search or select) instead of one of its own on return. A hostile plugin's code
/// runs inside the read (a row-level security policy) and leaves session state behind; the next lease of
/// the same physical connection must see none of it, whichever way the reset went.
/// </summary>
[TestClass]
public sealed class PostgresInBandResetTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Everything a function can leave in a session from a read-only transaction, each step on its own so
    // one the role may not take does not stop the others.
    private static string LeaveState(string schema) => $$"""
        CREATE FUNCTION {{schema}}.leave_state(name text) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN
          PERFORM set_config('plant.x', 'planted', false);
          PERFORM set_config('statement_timeout', '1234', false);
          PERFORM set_config('role', current_user, false);
          PERFORM set_config('default_transaction_read_only', 'off', false);
          PERFORM pg_advisory_lock(4711);
          BEGIN EXECUTE 'LISTEN planted'; EXCEPTION WHEN OTHERS THEN NULL; END;
          BEGIN EXECUTE 'PREPARE planted AS SELECT 1'; EXCEPTION WHEN OTHERS THEN NULL; END;
          IF name = 'boom' THEN RAISE EXCEPTION 'the plugin fails its read'; END IF;
          RETURN true;
        END $f$;
        CREATE TABLE {{schema}}.items (id bigserial PRIMARY KEY, name text NOT NULL);
        INSERT INTO {{schema}}.items (name) SELECT 'n' || g FROM generate_series(1, 5) g;
        CREATE POLICY plant ON {{schema}}.items USING ({{schema}}.leave_state(name));
        ALTER TABLE {{schema}}.items ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {{schema}}.items FORCE ROW LEVEL SECURITY;
        """;

    // What the previous lease may have left, read on the connection lent next.
    private const string StateSql = """
        SELECT pg_backend_pid(), coalesce(current_setting('plant.x', true), ''), current_setting('statement_timeout'), current_setting('role'),
          current_setting('default_transaction_read_only'),
          (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
          (SELECT count(*) FROM pg_listening_channels()), (SELECT count(*) FROM pg_prepared_statements)
        """;

    private sealed record SessionState(int Pid, string Planted, string StatementTimeout, string Role, string ReadOnly, long Locks, long Channels, long Prepared);

    [TestMethod]
    [DataRow("search")]
    [DataRow("search with count")]
    [DataRow("select")]
    public async Task State_left_by_plugin_code_inside_a_read_is_gone_for_the_next_lease(string read)
    {
        await using var services = OneConnectionPerPlugin();
        var (db, rows, plugin) = await PlantedAsync(services);
        var planted = await ControlAsync(db, plugin);

        var resets = db.Budget.ResetRoundTrips;
        await ReadAsync(rows, plugin, read);
        // A search that counts runs its count after the page, so its connection is reset on return as before.
        Assert.AreEqual(read == "search with count" ? resets + 1 : resets, db.Budget.ResetRoundTrips, "whether the reset rode with the read");

        var after = await StateAsync(db, plugin);
        Assert.AreEqual(planted.Pid, after.Pid, "the same physical connection is lent again");
        AssertClean(after);
    }

    [TestMethod]
    public async Task A_read_the_plugin_makes_fail_still_leaves_nothing_for_the_next_lease()
    {
        await using var services = OneConnectionPerPlugin();
        var (db, rows, plugin) = await PlantedAsync(services);
        var planted = await ControlAsync(db, plugin);
        await using (var write = await db.OpenPluginAsync(plugin, PluginAccess.Write, None))
        {
            // The policy checks inserts too: off for the one row that makes every later read fail.
            var items = write.Qualify("items");
            await using var command = write.CreateCommand($"ALTER TABLE {items} DISABLE ROW LEVEL SECURITY; INSERT INTO {items} (name) VALUES ('boom'); ALTER TABLE {items} ENABLE ROW LEVEL SECURITY");
            await command.ExecuteNonQueryAsync();
        }
        await Assert.ThrowsAsync<StorageException>(() => rows.SearchAsync(plugin, new RowSearchRequest("items"), None));
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 0, "the connection to be reset and idle");

        var after = await StateAsync(db, plugin);
        Assert.AreEqual(planted.Pid, after.Pid);
        AssertClean(after);
    }

    [TestMethod]
    public async Task A_statement_after_the_carried_reset_makes_the_return_reset_again()
    {
        await using var services = OneConnectionPerPlugin();
        var (db, _, plugin) = await PlantedAsync(services);
        int pid;
        await using (var lease = await db.OpenPluginAsync(plugin, PluginAccess.Read, None))
        {
            var batch = lease.CreateBatch()!;
            await using (batch)
            {
                Add(batch, "SELECT pg_backend_pid()");
                Assert.IsTrue(lease.AddReset(batch));
                await using (var reader = await batch.ExecuteReaderAsync())
                {
                    Assert.IsTrue(await reader.ReadAsync());
                    pid = reader.GetInt32(0);
                    while (await reader.NextResultAsync())
                    {
                    }
                }
            }
            lease.ConfirmReset();
            Assert.IsTrue(lease.Lease!.ResetDone, "the server reported the carried reset done");

            await using var plant = lease.CreateCommand("SELECT set_config('plant.x', 'planted', false), pg_advisory_lock(4711)");
            await plant.ExecuteNonQueryAsync();
            Assert.IsFalse(lease.Lease.ResetDone, "a statement after the reset undoes it");
        }
        await PostgresBudgetCluster.WaitForAsync(() => db.Budget.InUse == 0, "the connection to be reset and idle");
        var after = await StateAsync(db, plugin);
        Assert.AreEqual(pid, after.Pid);
        AssertClean(after);
    }

    [TestMethod]
    public async Task A_carried_reset_the_server_refused_is_not_taken_for_done()
    {
        await using var services = OneConnectionPerPlugin();
        var (db, _, plugin) = await PlantedAsync(services);
        await using var lease = await db.OpenPluginAsync(plugin, PluginAccess.Read, None);
        await using var transaction = await lease.Connection.BeginTransactionAsync();
        var batch = lease.CreateBatch(transaction)!;
        await using (batch)
        {
            Add(batch, "SELECT set_config('plant.x', 'planted', false)");
            Assert.IsTrue(lease.AddReset(batch));
            // Inside a transaction block DISCARD ALL fails: the read raises, and the reset is not done. (This lease's
            // connection logged in for writes, so the read mode's SET follows; the aborted transaction skips it.)
            var refused = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var reader = await batch.ExecuteReaderAsync();
                while (await reader.NextResultAsync())
                {
                }
            });
            Assert.AreEqual("25001", refused.SqlState, "active_sql_transaction");
        }
        lease.ConfirmReset();
        Assert.IsFalse(lease.Lease!.ResetDone);
    }

    [TestMethod]
    public async Task Service_and_SQLite_connections_carry_no_reset()
    {
        await using var services = OneConnectionPerPlugin();
        var (db, _, plugin) = await PlantedAsync(services);
        await using (var service = await db.OpenServiceAsync(plugin, None))
        {
            await using var batch = service.CreateBatch()!;
            Add(batch, "SELECT 1");
            Assert.IsFalse(service.AddReset(batch));
            Assert.HasCount(1, batch.BatchCommands);
        }
        var sqlite = TestBackends.Get<IPluginDatabase>(Backend.Sqlite);
        await using var file = await sqlite.OpenPluginAsync(TestPlugins.New(), PluginAccess.Read, None);
        Assert.IsNull(file.CreateBatch(), "Microsoft.Data.Sqlite has no batches, so there is nothing to carry a reset");
    }

    private static ServiceProvider OneConnectionPerPlugin() =>
        TestBackends.Build(Backend.Postgres, o => o.Postgres.MaxConnectionsPerPlugin = 1);

    private static async Task<(PostgresDatabase Db, IRowStore Rows, PluginId Plugin)> PlantedAsync(ServiceProvider services)
    {
        var db = (PostgresDatabase)services.GetRequiredService<IPluginDatabase>();
        var plugin = TestPlugins.New("reset");
        await using (var write = await db.OpenPluginAsync(plugin, PluginAccess.Write, None))
        {
            await using var command = write.CreateCommand(LeaveState(PluginConnection.QuoteIdentifier(write.Schema!)));
            await command.ExecuteNonQueryAsync();
        }
        return (db, services.GetRequiredService<IRowStore>(), plugin);
    }

    // The plugin's function does leave its state in the session it runs in (else the test could not fail).
    private static async Task<SessionState> ControlAsync(PostgresDatabase db, PluginId plugin)
    {
        await using var lease = await db.OpenPluginAsync(plugin, PluginAccess.Read, None);
        await using (var command = lease.CreateCommand($"SELECT count(*) FROM {lease.Qualify("items")}"))
            Assert.AreEqual(5L, await command.ExecuteScalarAsync());
        var planted = await ReadStateAsync(lease);
        Assert.AreEqual("planted", planted.Planted);
        Assert.AreEqual("1234ms", planted.StatementTimeout);
        Assert.AreEqual(PostgresNames.Role(plugin), planted.Role);
        Assert.AreEqual("off", planted.ReadOnly);
        Assert.AreEqual(1L, planted.Locks);
        Assert.AreEqual(1L, planted.Channels);
        Assert.AreEqual(1L, planted.Prepared);
        return planted;
    }

    private static async Task ReadAsync(IRowStore rows, PluginId plugin, string read)
    {
        if (read == "select")
        {
            var selected = await rows.SelectAsync(plugin, new RowSelectRequest("items", Filters: JsonDocument.Parse("{}").RootElement), None);
            Assert.HasCount(5, selected.Rows!);
            return;
        }
        var found = await rows.SearchAsync(plugin, new RowSearchRequest("items", Limit: 3, Count: read == "search with count" ? true : null), None);
        Assert.HasCount(3, found.Rows);
    }

    private static async Task<SessionState> StateAsync(PostgresDatabase db, PluginId plugin)
    {
        await using var lease = await db.OpenPluginAsync(plugin, PluginAccess.Read, None);
        return await ReadStateAsync(lease);
    }

    private static async Task<SessionState> ReadStateAsync(PluginConnection lease)
    {
        await using var command = lease.CreateCommand(StateSql);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        return new SessionState(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
    }

    private static void AssertClean(SessionState state)
    {
        Assert.AreEqual("", state.Planted, "a custom setting survived");
        Assert.AreEqual("0", state.StatementTimeout, "a changed setting survived");
        Assert.AreEqual("none", state.Role, "SET ROLE survived");
        // These connections logged in for writes (the plugin's first lease) and serve reads since: the reset
        // must put the read mode back after DISCARD ALL restored the login's.
        Assert.AreEqual("on", state.ReadOnly, "the read lease is not read-only");
        Assert.AreEqual(0L, state.Locks, "a session advisory lock survived");
        Assert.AreEqual(0L, state.Channels, "LISTEN survived");
        Assert.AreEqual(0L, state.Prepared, "a prepared statement survived");
    }

    private static void Add(DbBatch batch, string sql)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = sql;
        batch.BatchCommands.Add(command);
    }
}
