using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Security;

/// <summary>
/// The account docs/operations.md recommends: a role with CREATEROLE and CREATE on its own database,
/// not a superuser. Bootstrap, provisioning, KV, rows and migrations all work with it.
/// </summary>
[TestClass]
public sealed class NonSuperuserServiceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [TestMethod]
    public async Task A_createrole_service_account_provisions_and_serves_every_tier()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var (role, database) = ($"svc_{suffix}", $"svcdb_{suffix}");
        await using (var admin = await PluginSpy.AdminAsync())
        {
            await PluginSpy.ScalarAsync(admin, $"CREATE ROLE {role} LOGIN CREATEROLE PASSWORD 'x'");
            await PluginSpy.ScalarAsync(admin, $"CREATE DATABASE {database}");
            await PluginSpy.ScalarAsync(admin, $"GRANT CREATE ON DATABASE {database} TO {role}");
        }
        var connectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres.AdminConnectionString(database))
        {
            Username = role, Password = "x",
        }.ConnectionString;
        await using var services = TestBackends.Build(Backend.Postgres, options => options.Postgres.ConnectionString = connectionString);
        var plugin = TestPlugins.New("svc");
        var migrator = services.GetRequiredService<IMigrator>();
        var kv = services.GetRequiredService<IKvStore>();
        var rows = services.GetRequiredService<IRowStore>();

        await migrator.ApplyAsync(plugin, new MigrationApplyRequest([new Migration("001",
            MigrationSql.Both("CREATE TABLE items (id serial PRIMARY KEY, name text UNIQUE, n int)"), MigrationSql.Both("DROP TABLE items"))]), None);
        await kv.SetAsync(plugin, new KvSetRequest("k", PluginSpy.Json("1")), None);
        Assert.AreEqual(3L, (await kv.IncrAsync(plugin, new KvIncrRequest("k", 2), None)).Value);
        await rows.InsertAsync(plugin, new RowInsertRequest("items", PluginSpy.Json("""{"name":"a"}""")), None);
        await rows.UpdateAsync(plugin, new RowUpdateRequest("items", Filters: PluginSpy.Json("""{"name":"b"}"""), Data: PluginSpy.Json("""{"n":1}"""), Upsert: true), None);
        Assert.HasCount(1, (await rows.SelectAsync(plugin, new RowSelectRequest("items", Filters: PluginSpy.Json("""{"name":"b"}""")), None)).Rows!);
        await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(Steps: 1), None);
        Assert.IsEmpty((await migrator.StatusAsync(plugin, None)).Applied);

        await using var check = await PluginSpy.AdminAsync();
        await check.ChangeDatabaseAsync(database);
        Assert.AreEqual(role, await PluginSpy.ScalarAsync(check, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = '_storage'"));
        Assert.AreEqual(1L, await PluginSpy.ScalarAsync(check, $"SELECT count(*) FROM _storage.kv WHERE plugin = '{plugin}'"));
    }
}
