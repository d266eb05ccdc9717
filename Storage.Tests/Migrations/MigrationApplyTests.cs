using Storage.Core;
using Storage.Migrations;
using Storage.Migrations.Internal;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Migrations.MigrationTestData;

namespace Storage.Tests.Migrations;

[TestClass]
public sealed class MigrationApplyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Twelve_migrations_apply_in_one_request_and_status_lists_them_in_order(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        // Given out of name order on purpose: the request's order wins.
        var migrations = Tables(12);
        (migrations[10], migrations[11]) = (migrations[11], migrations[10]);

        var result = await migrator.ApplyAsync(plugin, Apply(migrations), None);

        CollectionAssert.AreEqual(migrations.Select(m => m.Version).ToList(), result.Applied.ToList());
        Assert.AreEqual("011", result.Current);
        var status = await migrator.StatusAsync(plugin, None);
        Assert.AreEqual("011", status.Current);
        CollectionAssert.AreEqual(migrations.Select(m => m.Version).ToList(), status.Applied.Select(a => a.Version).ToList());
        Assert.AreEqual(MigrationValidation.Checksum(migrations[0].Up!.Sqlite!), status.Applied[0].Checksum);
        Assert.AreEqual(DateTimeKind.Utc, status.Applied[0].AppliedAt.Kind);
        Assert.IsTrue(await TableExistsAsync(backend, plugin, "t012"));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Reapplying_applies_nothing_and_adding_one_applies_only_it(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        await migrator.ApplyAsync(plugin, Apply(Tables(3)), None);

        var again = await migrator.ApplyAsync(plugin, Apply(Tables(3)), None);
        Assert.IsEmpty(again.Applied);
        Assert.AreEqual("003", again.Current);

        var more = await migrator.ApplyAsync(plugin, Apply(Tables(4)), None);
        CollectionAssert.AreEqual(new[] { "004" }, more.Applied.ToArray());
        Assert.HasCount(4, (await migrator.StatusAsync(plugin, None)).Applied);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_edited_applied_migration_is_a_conflict_and_nothing_is_applied(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        await migrator.ApplyAsync(plugin, Apply(Tables(2)), None);
        var edited = Tables(3);
        edited[1] = edited[1] with { Up = MigrationSql.Both("CREATE TABLE t002 (id INTEGER PRIMARY KEY);") };

        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin, Apply(edited), None));

        Assert.AreEqual(StorageErrorCode.Conflict, error.Code);
        Assert.AreEqual("002", error.Details["version"]);
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t003"));
        Assert.HasCount(2, (await migrator.StatusAsync(plugin, None)).Applied);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_failing_third_migration_leaves_nothing_behind(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        var migrations = Tables(4);
        migrations[2] = new Migration("003", MigrationSql.Both("CREATE TABLE t003 (id INTEGER PRIMARY KEY); INSERT INTO no_such_table VALUES (1);"));

        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin, Apply(migrations), None));

        Assert.AreEqual(StorageErrorCode.MigrationFailed, error.Code);
        Assert.AreEqual("003", error.Details["version"]);
        StringAssert.Contains(error.Message, "'003'");
        StringAssert.Contains(error.Message, "no_such_table");
        foreach (var table in new[] { "t001", "t002", "t003", "t004" })
            Assert.IsFalse(await TableExistsAsync(backend, plugin, table), table);
        var status = await migrator.StatusAsync(plugin, None);
        Assert.IsEmpty(status.Applied);
        Assert.IsNull(status.Current);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_dry_run_runs_everything_and_keeps_nothing(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        await migrator.ApplyAsync(plugin, Apply(Tables(1)), None);

        var dry = await migrator.ApplyAsync(plugin, Apply(Tables(3), dryRun: true), None);
        CollectionAssert.AreEqual(new[] { "002", "003" }, dry.Applied.ToArray());
        Assert.AreEqual(true, dry.DryRun);
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t002"));
        Assert.AreEqual("001", (await migrator.StatusAsync(plugin, None)).Current);

        var failing = Tables(3);
        failing[2] = new Migration("003", MigrationSql.Both("SELECT * FROM missing_table"));
        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin, Apply(failing, dryRun: true), None));
        Assert.AreEqual(StorageErrorCode.MigrationFailed, error.Code);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Per_backend_scripts_run_the_one_for_the_backend(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        var migration = new Migration("001",
            new MigrationSql("CREATE TABLE pg_only (id BIGSERIAL PRIMARY KEY)", "CREATE TABLE lite_only (id INTEGER PRIMARY KEY AUTOINCREMENT)"),
            new MigrationSql("DROP TABLE pg_only", "DROP TABLE lite_only"));

        await migrator.ApplyAsync(plugin, Apply([migration]), None);

        Assert.IsTrue(await TableExistsAsync(backend, plugin, backend == Backend.Postgres ? "pg_only" : "lite_only"));
        await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);
        Assert.IsFalse(await TableExistsAsync(backend, plugin, backend == Backend.Postgres ? "pg_only" : "lite_only"));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Ending_the_transaction_inside_a_script_is_refused_and_nothing_is_kept(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        var migrations = new List<Migration>
        {
            Table(1),
            new("002", MigrationSql.Both("CREATE TABLE t002 (id INTEGER); COMMIT; CREATE TABLE t002b (id INTEGER);")),
        };

        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin, Apply(migrations), None));

        Assert.AreEqual(StorageErrorCode.MigrationFailed, error.Code);
        Assert.AreEqual("002", error.Details["version"]);
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t001"));
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t002"));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Renaming_and_reshaping_tables_works_in_migrations(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        var migrations = new List<Migration>
        {
            new("001", MigrationSql.Both("CREATE TABLE old_name (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b TEXT); INSERT INTO old_name (a, b) VALUES ('x', 'y');")
                with { Postgres = "CREATE TABLE old_name (id SERIAL PRIMARY KEY, a TEXT, b TEXT); INSERT INTO old_name (a, b) VALUES ('x', 'y');" }),
            new("002", MigrationSql.Both("ALTER TABLE old_name RENAME TO new_name; ALTER TABLE new_name RENAME COLUMN a TO c; ALTER TABLE new_name DROP COLUMN b; ALTER TABLE new_name ADD COLUMN d INTEGER;"),
                MigrationSql.Both("ALTER TABLE new_name RENAME TO old_name")),
        };

        await migrator.ApplyAsync(plugin, Apply(migrations), None);

        Assert.IsTrue(await TableExistsAsync(backend, plugin, "new_name"));
        Assert.AreEqual("x", await ScalarAsync(backend, plugin, backend == Backend.Postgres ? $"SELECT c FROM \"{Schema(plugin)}\".new_name" : "SELECT c FROM new_name"));
        await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);
        Assert.IsTrue(await TableExistsAsync(backend, plugin, "old_name"));
    }

    [TestMethod]
    public async Task The_reference_postgres_migration_applies_on_postgres()
    {
        var migrator = TestBackends.Get<IMigrator>(Backend.Postgres);
        var plugin = TestPlugins.New();
        var up = """
            CREATE TABLE quotes (
                id SERIAL PRIMARY KEY,
                author TEXT NOT NULL,
                text TEXT NOT NULL,
                created_at TIMESTAMPTZ DEFAULT NOW()
            );
            CREATE INDEX idx_quotes_author ON quotes(author);
            CREATE FUNCTION quotes_touch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.created_at := NOW(); RETURN NEW; END $$;
            CREATE TRIGGER quotes_touch BEFORE UPDATE ON quotes FOR EACH ROW EXECUTE FUNCTION quotes_touch();
            """;
        var result = await migrator.ApplyAsync(plugin, Apply([new Migration("001_create_quotes", MigrationSql.Both(up), MigrationSql.Both("DROP TABLE quotes;"))]), None);

        Assert.AreEqual("001_create_quotes", result.Current);
        var schema = PluginSchema(plugin);
        Assert.AreEqual("integer", await ScalarAsync(Backend.Postgres, plugin,
            $"SELECT data_type FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = 'quotes' AND column_name = 'id'"));
        Assert.AreEqual(PluginRole(plugin), await ScalarAsync(Backend.Postgres, plugin,
            $"SELECT tableowner FROM pg_tables WHERE schemaname = '{schema}' AND tablename = 'quotes'"));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Bad_requests_are_invalid_and_name_the_field(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        var cases = new (MigrationApplyRequest Request, string Field)[]
        {
            (new MigrationApplyRequest(null), "migrations"),
            (Apply([Table(1), Table(1)]), "migrations[1].version"),
            (Apply([new Migration("", MigrationSql.Both("SELECT 1"))]), "migrations[0].version"),
            (Apply([new Migration("has space", MigrationSql.Both("SELECT 1"))]), "migrations[0].version"),
            (Apply([new Migration(new string('9', 101), MigrationSql.Both("SELECT 1"))]), "migrations[0].version"),
            (Apply([new Migration("001", null)]), "migrations[0].up"),
            (Apply([new Migration("001", new MigrationSql(null, null))]), "migrations[0].up"),
        };
        foreach (var (request, field) in cases)
        {
            var error = await Assert.ThrowsAsync<StorageException>(() => migrator.ApplyAsync(plugin, request, None));
            Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code, field);
            Assert.AreEqual(field, error.Details["field"]);
        }
    }

    private static string PluginSchema(PluginId plugin) => Schema(plugin);

    private static string PluginRole(PluginId plugin) => Schema(plugin);
}
