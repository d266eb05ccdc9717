using System.Text.Json;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// PostgreSQL routes by which plugin code could run with the service's rights (issue 10): a table
/// with the KV's old name planted by dynamic SQL from a trigger or by a deferred constraint trigger,
/// functions and operators shadowing built-ins, row-level security on tables the admin reads. Each
/// plugin's code records <c>current_user</c>; only the plugin's own role may ever appear.
/// </summary>
[TestClass]
public sealed class PluginCodeNeverRunsAsServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    // Creates the KV's and journal's old names in the plugin's schema, each with a spying trigger.
    private static string PlantFunction(string schema) => $$"""
        CREATE FUNCTION {{schema}}.spy() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN PERFORM {{schema}}.record('trigger on ' || TG_TABLE_NAME); RETURN NEW; END $f$;
        CREATE FUNCTION {{schema}}.plant() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
          EXECUTE 'CREATE TABLE IF NOT EXISTS {{schema}}._storage_kv (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, revision bigint NOT NULL, expires_at bigint)';
          EXECUTE 'CREATE TABLE IF NOT EXISTS {{schema}}._storage_migrations (version text PRIMARY KEY, position bigint, checksum text, down_script text, applied_at timestamptz, duration_ms bigint)';
          EXECUTE 'CREATE OR REPLACE TRIGGER spy BEFORE INSERT OR UPDATE OR DELETE ON {{schema}}._storage_kv FOR EACH ROW EXECUTE FUNCTION {{schema}}.spy()';
          EXECUTE 'CREATE OR REPLACE TRIGGER spy BEFORE INSERT OR UPDATE OR DELETE ON {{schema}}._storage_migrations FOR EACH ROW EXECUTE FUNCTION {{schema}}.spy()';
          PERFORM {{schema}}.record('planted');
          RETURN NEW;
        END $f$;
        """;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task A_kv_table_planted_by_a_row_insert_trigger_is_never_touched_and_kv_works(bool viaNats)
    {
        var spy = new PluginSpy(Backend.Postgres, TestPlugins.New("plant"));
        await spy.InstallAsync();
        await spy.MigrateAsync("002", PlantFunction(spy.Schema) + $"""
            CREATE TABLE {spy.Schema}.items (id serial PRIMARY KEY, name text);
            CREATE TRIGGER plant AFTER INSERT ON {spy.Schema}.items FOR EACH ROW EXECUTE FUNCTION {spy.Schema}.plant();
            """);
        if (viaNats)
        {
            await Ok($"db.row.{spy.Plugin}.insert", """{"table":"items","data":{"name":"x"}}""");
            await Ok($"db.kv.{spy.Plugin}.set", """{"key":"k","value":41}""");
            await Ok($"db.kv.{spy.Plugin}.incr", """{"key":"k"}""");
            Assert.AreEqual("42", (await Ok($"db.kv.{spy.Plugin}.get", """{"key":"k"}"""))["value"].GetRawText());
            await Ok($"db.kv.{spy.Plugin}.delete", """{"key":"k"}""");
            await Ok($"db.migrate.{spy.Plugin}", """{"action":"status"}""");
        }
        else
        {
            await TestBackends.Get<IRowStore>(Backend.Postgres).InsertAsync(spy.Plugin, new RowInsertRequest("items", PluginSpy.Json("""{"name":"x"}""")), None);
            var kv = TestBackends.Get<IKvStore>(Backend.Postgres);
            await kv.SetAsync(spy.Plugin, new KvSetRequest("k", PluginSpy.Json("41")), None);
            Assert.AreEqual("41", (await kv.GetAsync(spy.Plugin, new KvGetRequest("k"), None)).Value!.Value.GetRawText());
            await kv.DeleteAsync(spy.Plugin, new KvDeleteRequest("k"), None);
            await TestBackends.Get<IMigrator>(Backend.Postgres).StatusAsync(spy.Plugin, None);
        }

        var seen = await spy.AssertOnlyThePluginRanAsync();
        CollectionAssert.Contains(seen, spy.Role + ": planted", "the planting trigger must have run (as the plugin)");
        await using var admin = await PluginSpy.AdminAsync();
        Assert.AreEqual(0L, await PluginSpy.ScalarAsync(admin, $"SELECT count(*) FROM {spy.Schema}._storage_kv"), "the service wrote the plugin's table");
    }

    [TestMethod]
    public async Task A_kv_table_planted_by_a_deferred_constraint_trigger_in_a_migration_is_never_touched()
    {
        var spy = new PluginSpy(Backend.Postgres, TestPlugins.New("defer"));
        await spy.InstallAsync();
        // The constraint trigger fires at COMMIT, after every check the migration tier makes.
        await spy.MigrateAsync("002", PlantFunction(spy.Schema) + $"""
            CREATE TABLE {spy.Schema}.t (id int);
            CREATE CONSTRAINT TRIGGER plant AFTER INSERT ON {spy.Schema}.t DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION {spy.Schema}.plant();
            INSERT INTO {spy.Schema}.t VALUES (1);
            """);
        await Ok($"db.kv.{spy.Plugin}.set", """{"key":"k","value":"v"}""");
        Assert.AreEqual("\"v\"", (await Ok($"db.kv.{spy.Plugin}.get", """{"key":"k"}"""))["value"].GetRawText());
        var status = await TestBackends.Get<IMigrator>(Backend.Postgres).StatusAsync(spy.Plugin, None);
        CollectionAssert.AreEqual(new[] { "001", "002" }, status.Applied.Select(a => a.Version).ToArray());
        await Ok($"db.admin.export.{spy.Plugin}", "{}");

        var seen = await spy.AssertOnlyThePluginRanAsync();
        CollectionAssert.Contains(seen, spy.Role + ": planted");
        await using var admin = await PluginSpy.AdminAsync();
        Assert.AreEqual(0L, await PluginSpy.ScalarAsync(admin, $"SELECT count(*) FROM {spy.Schema}._storage_kv"));
        Assert.AreEqual(0L, await PluginSpy.ScalarAsync(admin, $"SELECT count(*) FROM {spy.Schema}._storage_migrations"));
    }

    [TestMethod]
    public async Task Functions_and_operators_shadowing_builtins_never_run_as_the_service()
    {
        var spy = new PluginSpy(Backend.Postgres, TestPlugins.New("shadow"));
        await spy.InstallAsync();
        var s = spy.Schema;
        await spy.MigrateAsync("002", $"""
            CREATE FUNCTION {s}.now() RETURNS timestamptz LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('now'); RETURN pg_catalog.now(); END $f$;
            CREATE FUNCTION {s}.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('to_regclass'); RETURN pg_catalog.to_regclass($1); END $f$;
            CREATE FUNCTION {s}.format_type(oid, integer) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('format_type'); RETURN pg_catalog.format_type($1, $2); END $f$;
            CREATE FUNCTION {s}.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('nextval'); RETURN pg_catalog.nextval($1); END $f$;
            CREATE FUNCTION {s}.lower(text) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('lower'); RETURN pg_catalog.lower($1); END $f$;
            CREATE FUNCTION {s}.pg_total_relation_size(regclass) RETURNS bigint LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('size'); RETURN 0; END $f$;
            CREATE FUNCTION {s}.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('='); RETURN $1 OPERATOR(pg_catalog.=) $2; END $f$;
            CREATE OPERATOR {s}.= (LEFTARG = text, RIGHTARG = text, FUNCTION = {s}.texteq);
            CREATE FUNCTION {s}.textgt(text, varchar) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN PERFORM {s}.record('>'); RETURN $1 OPERATOR(pg_catalog.>) $2::text; END $f$;
            CREATE OPERATOR {s}.> (LEFTARG = text, RIGHTARG = varchar, FUNCTION = {s}.textgt);
            CREATE TABLE {s}.items (id serial PRIMARY KEY, name text UNIQUE, n int DEFAULT 0);
            """);
        var p = spy.Plugin;
        await Ok($"db.row.{p}.insert", """{"table":"items","data":{"name":"a"}}""");
        await Ok($"db.row.{p}.update", """{"table":"items","filters":{"name":"b"},"data":{"n":1},"upsert":true}""");
        await Ok($"db.row.{p}.select", """{"table":"items","filters":{"name":"a"}}""");
        await Ok($"db.kv.{p}.set", """{"key":"k","value":1,"ttl":60}""");
        await Ok($"db.kv.{p}.incr", """{"key":"k","by":2}""");
        await Ok($"db.kv.{p}.list", """{"prefix":"k"}""");
        await Ok($"db.kv.{p}.get", """{"key":"k"}""");
        await Ok($"db.migrate.{p}", """{"action":"status"}""");
        await Ok("db.admin.plugins", "{}");
        await Ok($"db.admin.storage.{p}", "{}");
        await Ok($"db.admin.kv.{p}", "{}");
        await Ok($"db.admin.migrations.{p}", "{}");
        await Ok($"db.admin.export.{p}", "{}");
        await TestBackends.Get<IPluginDatabase>(Backend.Postgres).MeasureAsync(p, None);

        await spy.AssertOnlyThePluginRanAsync();
    }

    [TestMethod]
    public async Task Row_level_security_on_a_plugin_table_is_evaluated_as_the_plugin_by_export_and_inspector()
    {
        var spy = new PluginSpy(Backend.Postgres, TestPlugins.New("rls"));
        await spy.InstallAsync();
        var s = spy.Schema;
        // Run as the plugin, the policy shows one row; run as a non-superuser service, the other; a superuser sees both.
        await spy.MigrateAsync("002", $"""
            CREATE TABLE {s}.notes (id int PRIMARY KEY, owner_name text NOT NULL, body text NOT NULL);
            INSERT INTO {s}.notes VALUES (1, '{spy.Role}', 'plugin-row'), (2, '{PluginSpy.ServiceUser}', 'hidden-row');
            CREATE FUNCTION {s}.visible(owner_name text) RETURNS boolean LANGUAGE plpgsql AS $f$
            BEGIN PERFORM {s}.record('policy'); RETURN owner_name = current_user; END $f$;
            ALTER TABLE {s}.notes ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {s}.notes FORCE ROW LEVEL SECURITY;
            CREATE POLICY own ON {s}.notes USING ({s}.visible(owner_name));
            """);
        var inspector = TestBackends.Get<IRowInspector>(Backend.Postgres);
        var tables = await inspector.ListTablesAsync(spy.Plugin, None);
        Assert.AreEqual(1L, tables.Single(t => t.Name == "notes").Rows);
        var rows = new List<string>();
        await foreach (var row in inspector.ReadTableAsync(spy.Plugin, "notes", None))
            rows.Add(row["body"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { "plugin-row" }, rows);

        var export = await Ok($"db.admin.export.{spy.Plugin}", "{}");
        var storage = await Ok($"db.admin.storage.{spy.Plugin}", "{}");
        Assert.Contains("plugin-row", export.Body.GetRawText());
        Assert.DoesNotContain("hidden-row", export.Body.GetRawText());
        Assert.Contains("\"rows\":1", storage["tables"].GetRawText());
        await spy.AssertOnlyThePluginRanAsync();
    }

    private static async Task<Reply> Ok(string subject, string json)
    {
        var reply = await TestHosts.RequestAsync(Backend.Postgres, subject, json);
        Assert.IsFalse(reply.IsError, $"{subject}: {reply.Body}");
        return reply;
    }
}
