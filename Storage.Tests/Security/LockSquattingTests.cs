using System.Diagnostics;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Kv;
using Storage.Rows;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// A plugin holding every advisory-lock key the service once used, or an exclusive lock on its own
/// table, stalls nobody: no service lock is one a plugin can take (issue 10).
/// </summary>
[TestClass]
public sealed class LockSquattingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Only a failure cutoff (a squatted lock would stall forever); the machine is shared and loaded.
    private static readonly TimeSpan Cutoff = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task Every_former_advisory_key_held_by_a_plugin_stalls_no_other_plugin()
    {
        var squatter = new PluginSpy(Backend.Postgres, TestPlugins.New("squat"));
        var victim = new PluginSpy(Backend.Postgres, TestPlugins.New("victim"));
        await squatter.InstallAsync();
        await victim.InstallAsync();
        await victim.MigrateAsync("002", $"CREATE TABLE {victim.Schema}.items (id serial PRIMARY KEY, name text, n int)");
        var fresh = TestPlugins.New("fresh");
        var afterRestart = TestPlugins.New("restart");

        await using var session = await squatter.AsPluginAsync();
        // Session-level advisory locks on the provisioning key, the KV creation keys and the row-upsert key.
        var keys = new List<string> { "hashtext('storage.provision')" };
        keys.AddRange(new[] { fresh, afterRestart, victim.Plugin }.Select(p => $"19286, hashtext('{PostgresNames.Schema(p)}')"));
        keys.Add($"hashtextextended('storage.rows:{PostgresNames.Schema(victim.Plugin)}.items', 0)");
        foreach (var key in keys)
            Assert.IsTrue((bool)(await PluginSpy.ScalarAsync(session, $"SELECT pg_try_advisory_lock({key})"))!, key);

        var watch = Stopwatch.StartNew();
        var first = await TestHosts.RequestAsync(Backend.Postgres, $"db.kv.{fresh}.set", """{"key":"k","value":1}""").WaitAsync(Cutoff);
        Assert.IsFalse(first.IsError, first.Body.GetRawText());
        await TestBackends.Get<IRowStore>(Backend.Postgres).UpdateAsync(victim.Plugin,
            new RowUpdateRequest("items", Filters: PluginSpy.Json("""{"name":"a"}"""), Data: PluginSpy.Json("""{"n":1}"""), Upsert: true), None).WaitAsync(Cutoff);
        await TestBackends.Get<IKvStore>(Backend.Postgres).SetAsync(victim.Plugin, new KvSetRequest("k", PluginSpy.Json("2")), None).WaitAsync(Cutoff);

        // A restarted service: a new provider knows nothing yet, so its first use of any plugin goes to the database.
        await using (var restarted = TestBackends.Build(Backend.Postgres))
        {
            var kv = (IKvStore)restarted.GetService(typeof(IKvStore))!;
            await kv.SetAsync(afterRestart, new KvSetRequest("k", PluginSpy.Json("3")), None).WaitAsync(Cutoff);
            Assert.AreEqual("2", (await kv.GetAsync(victim.Plugin, new KvGetRequest("k"), None).WaitAsync(Cutoff)).Value!.Value.GetRawText());
            var rows = (IRowStore)restarted.GetService(typeof(IRowStore))!;
            await rows.UpdateAsync(victim.Plugin,
                new RowUpdateRequest("items", Filters: PluginSpy.Json("""{"name":"a"}"""), Data: PluginSpy.Json("""{"n":2}"""), Upsert: true), None).WaitAsync(Cutoff);
        }
        Console.WriteLine($"all requests under squatted advisory keys took {watch.ElapsedMilliseconds} ms");
        await squatter.AssertOnlyThePluginRanAsync();
        await victim.AssertOnlyThePluginRanAsync();
    }

    [TestMethod]
    public async Task A_plugin_cannot_lock_the_service_lock_rows()
    {
        var squatter = new PluginSpy(Backend.Postgres, TestPlugins.New("squat"));
        await squatter.InstallAsync();
        await using var session = await squatter.AsPluginAsync();
        foreach (var sql in new[] { "SELECT 1 FROM _storage.locks FOR UPDATE", "BEGIN; LOCK TABLE _storage.locks", "SELECT 1 FROM _storage.migration_locks FOR UPDATE", "BEGIN; LOCK TABLE _storage.kv" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => PluginSpy.ScalarAsync(session, sql));
            Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState, sql);
            await PluginSpy.ScalarAsync(session, "ROLLBACK");
        }
    }

    [TestMethod]
    public async Task An_exclusive_lock_held_by_a_plugin_does_not_stall_admin_plugins_which_reports_the_relation()
    {
        var locker = new PluginSpy(Backend.Postgres, TestPlugins.New("locker"));
        await locker.InstallAsync();
        await locker.MigrateAsync("002", $"CREATE TABLE {locker.Schema}.items (id serial PRIMARY KEY, name text)");
        await using var session = await locker.AsPluginAsync();
        await using var transaction = await session.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE items IN ACCESS EXCLUSIVE MODE", session, transaction))
            await lockTable.ExecuteNonQueryAsync();

        var size = await TestBackends.Get<IPluginDatabase>(Backend.Postgres).MeasureAsync(locker.Plugin, None).WaitAsync(Cutoff);
        CollectionAssert.AreEqual(new[] { "items" }, size.Unmeasured.ToArray());
        Assert.IsGreaterThan(0L, size.Bytes); // the seen table and the sequence were measured

        var reply = await TestHosts.RequestAsync(Backend.Postgres, "db.admin.plugins", "{}").WaitAsync(Cutoff);
        Assert.IsFalse(reply.IsError, reply.Body.GetRawText());
        var entry = reply["plugins"].EnumerateArray().Single(p => p.GetProperty("plugin").GetString() == locker.Plugin.Value);
        Assert.AreEqual("""["items"]""", entry.GetProperty("unmeasured").GetRawText());
        await transaction.RollbackAsync();

        var after = await TestHosts.RequestAsync(Backend.Postgres, "db.admin.plugins", "{}");
        var measured = after["plugins"].EnumerateArray().Single(p => p.GetProperty("plugin").GetString() == locker.Plugin.Value);
        Assert.IsFalse(measured.TryGetProperty("unmeasured", out _), measured.GetRawText());
    }

    [TestMethod]
    public async Task A_plugin_cannot_create_large_objects()
    {
        var plugin = new PluginSpy(Backend.Postgres, TestPlugins.New("lo"));
        await plugin.InstallAsync();
        await using var session = await plugin.AsPluginAsync();
        foreach (var sql in new[] { "SELECT lo_create(0)", "SELECT lo_creat(-1)", "SELECT lo_from_bytea(0, 'x'::bytea)" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => PluginSpy.ScalarAsync(session, sql));
            Assert.AreEqual(StorageErrorCode.Forbidden, ProviderErrors.Translate(error)!.Code, sql);
        }
        var reply = await TestHosts.RequestAsync(Backend.Postgres, $"db.migrate.{plugin.Plugin}",
            """{"action":"apply","migrations":[{"version":"100","up":"DO $$ BEGIN PERFORM lo_create(0); END $$"}]}""");
        Assert.AreEqual("MIGRATION_FAILED", reply.ErrorCode, reply.Body.GetRawText());
    }
}
