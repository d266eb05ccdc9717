using Storage.Core;
using Storage.Host.Commands;
using Storage.Migrations;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Migrations;

[TestClass]
public sealed class MigrationFolderTests
{
    [TestMethod]
    public void A_folder_loads_in_version_order_with_per_backend_files()
    {
        var dir = Directory.CreateTempSubdirectory("migrations-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "002_index.up.sql"), "CREATE INDEX i ON a (id);");
            File.WriteAllText(Path.Combine(dir.FullName, "001_create.up.sql"), "CREATE TABLE a (id INTEGER);");
            File.WriteAllText(Path.Combine(dir.FullName, "001_create.up.postgres.sql"), "CREATE TABLE a (id SERIAL);");
            File.WriteAllText(Path.Combine(dir.FullName, "001_create.down.sql"), "DROP TABLE a;");
            File.WriteAllText(Path.Combine(dir.FullName, "README.md"), "not a migration");

            var migrations = MigrationFolder.Load(dir.FullName);

            CollectionAssert.AreEqual(new[] { "001_create", "002_index" }, migrations.Select(m => m.Version).ToArray());
            Assert.AreEqual("CREATE TABLE a (id SERIAL);", migrations[0].Up!.Postgres);
            Assert.AreEqual("CREATE TABLE a (id INTEGER);", migrations[0].Up!.Sqlite);
            Assert.AreEqual("DROP TABLE a;", migrations[0].Down!.Sqlite);
            Assert.IsNull(migrations[1].Down);

            File.WriteAllText(Path.Combine(dir.FullName, "003_orphan.down.sql"), "DROP TABLE b;");
            Assert.AreEqual(StorageErrorCode.InvalidRequest, Assert.Throws<StorageException>(() => MigrationFolder.Load(dir.FullName)).Code);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_migrate_command_applies_lists_and_rolls_back_a_folder(string backend)
    {
        var dir = Directory.CreateTempSubdirectory("migrations-");
        try
        {
            for (var n = 1; n <= 3; n++)
            {
                File.WriteAllText(Path.Combine(dir.FullName, $"{n:D3}_t{n}.up.sql"), $"CREATE TABLE t{n} (id INTEGER PRIMARY KEY); CREATE INDEX t{n}_id ON t{n} (id);");
                File.WriteAllText(Path.Combine(dir.FullName, $"{n:D3}_t{n}.down.sql"), $"DROP TABLE t{n};");
            }
            var plugin = TestPlugins.New().Value;
            string[] config = [.. TestHosts.Arguments(backend, "nats://127.0.0.1:1")];

            var (code, output, error) = await RunAsync(["migrate", "--plugin", plugin, "--dir", dir.FullName, .. config]);
            Assert.AreEqual(0, code, error);
            StringAssert.Contains(output, "\"current\":\"003_t3\"");

            (code, output, _) = await RunAsync(["migrate", "--plugin", plugin, "--status", .. config]);
            Assert.AreEqual(0, code);
            StringAssert.Contains(output, "\"version\":\"002_t2\"");

            (code, output, _) = await RunAsync(["migrate", "--plugin", plugin, "--rollback", "--to", "001_t1", .. config]);
            Assert.AreEqual(0, code);
            StringAssert.Contains(output, "\"rolled_back\":[\"003_t3\",\"002_t2\"]");

            (code, _, error) = await RunAsync(["migrate", "--plugin", "Not Valid", "--status", .. config]);
            Assert.AreEqual(1, code);
            StringAssert.StartsWith(error, "INVALID_REQUEST");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await MigrateCommand.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
