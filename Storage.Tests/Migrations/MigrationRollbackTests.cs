using Storage.Core;
using Storage.Migrations;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Migrations.MigrationTestData;

namespace Storage.Tests.Migrations;

[TestClass]
public sealed class MigrationRollbackTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Rollback_goes_one_step_then_to_a_version_then_to_nothing(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        await migrator.ApplyAsync(plugin, Apply(Tables(6)), None);

        var one = await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);
        CollectionAssert.AreEqual(new[] { "006" }, one.RolledBack.ToArray());
        Assert.AreEqual("005", one.Current);
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t006"));

        var toVersion = await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(To: "002"), None);
        CollectionAssert.AreEqual(new[] { "005", "004", "003" }, toVersion.RolledBack.ToArray());
        Assert.AreEqual("002", toVersion.Current);
        Assert.IsTrue(await TableExistsAsync(backend, plugin, "t002"));
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t003"));

        var all = await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(Steps: 2), None);
        CollectionAssert.AreEqual(new[] { "002", "001" }, all.RolledBack.ToArray());
        Assert.IsNull(all.Current);
        Assert.IsFalse(await TableExistsAsync(backend, plugin, "t001"));

        var nothing = await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(), None);
        Assert.IsEmpty(nothing.RolledBack);
        Assert.IsNull(nothing.Current);

        var again = await migrator.ApplyAsync(plugin, Apply(Tables(2)), None);
        CollectionAssert.AreEqual(new[] { "001", "002" }, again.Applied.ToArray());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_failing_down_script_rolls_back_nothing(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        var migrations = Tables(3);
        migrations[1] = migrations[1] with { Down = MigrationSql.Both("DROP TABLE no_such_table") };
        await migrator.ApplyAsync(plugin, Apply(migrations), None);

        var error = await Assert.ThrowsAsync<StorageException>(() => migrator.RollbackAsync(plugin, new MigrationRollbackRequest(Steps: 3), None));

        Assert.AreEqual(StorageErrorCode.MigrationFailed, error.Code);
        Assert.AreEqual("002", error.Details["version"]);
        Assert.IsTrue(await TableExistsAsync(backend, plugin, "t003"));
        Assert.AreEqual("003", (await migrator.StatusAsync(plugin, None)).Current);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Bad_rollback_requests_are_invalid(string backend)
    {
        var migrator = TestBackends.Get<IMigrator>(backend);
        var plugin = TestPlugins.New();
        await migrator.ApplyAsync(plugin, Apply([.. Tables(2), new Migration("003", MigrationSql.Both("CREATE TABLE t003 (id INTEGER)"))]), None);
        var cases = new (MigrationRollbackRequest Request, string Field)[]
        {
            (new MigrationRollbackRequest(Steps: 0), "steps"),
            (new MigrationRollbackRequest(Steps: 4), "steps"),
            (new MigrationRollbackRequest(To: "001", Steps: 1), "steps"),
            (new MigrationRollbackRequest(To: "999"), "to"),
            (new MigrationRollbackRequest(), "down"),
        };
        foreach (var (request, field) in cases)
        {
            var error = await Assert.ThrowsAsync<StorageException>(() => migrator.RollbackAsync(plugin, request, None));
            Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code, field);
            Assert.AreEqual(field, error.Details["field"]);
        }
        Assert.AreEqual("003", (await migrator.StatusAsync(plugin, None)).Current);
    }
}
