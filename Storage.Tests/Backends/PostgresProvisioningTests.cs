using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Backends;

/// <summary>
/// First use of many plugins at once: their roles and schemas are created in shared transactions
/// (one lock hand-over and one commit per batch, not per plugin), every role can reach the
/// migration API, and one plugin that cannot be created does not fail the others of its batch.
/// </summary>
[TestClass]
public sealed class PostgresProvisioningTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static PostgresBudgetCluster? _cluster;

    private static PostgresBudgetCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster did not start.");

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _cluster = await PostgresBudgetCluster.StartAsync(maxConnections: 40);
    }

    [ClassCleanup]
    public static void Stop() => _cluster?.Dispose();

    [TestMethod]
    public async Task Many_new_plugins_at_once_are_created_in_shared_commits_and_each_can_use_the_migration_api()
    {
        await using var db = Cluster.Database(_ => { });
        var plugins = Enumerable.Range(0, 40).Select(_ => TestPlugins.New("batch")).ToList();

        await Task.WhenAll(plugins.Select(async p => { await using var _ = await db.OpenServiceAsync(p, None); }));

        await using var admin = await OpenAdminAsync();
        await using var check = new NpgsqlCommand("""
            SELECT count(*)::int, count(DISTINCT p.xmin::text)::int,
                   count(*) FILTER (WHERE has_schema_privilege(p.role_name, '_storage_migrate', 'USAGE'))::int,
                   count(*) FILTER (WHERE l.schema_name IS NOT NULL)::int
              FROM _storage.plugins p LEFT JOIN _storage.migration_locks l ON l.schema_name = p.schema_name
             WHERE p.plugin = ANY(@p)
            """, admin);
        check.Parameters.AddWithValue("p", plugins.Select(p => p.Value).ToArray());
        await using var reader = await check.ExecuteReaderAsync();
        Assert.IsTrue(await reader.ReadAsync());
        Assert.AreEqual(40, reader.GetInt32(0), "every plugin is registered");
        Assert.IsTrue(reader.GetInt32(1) <= 20, $"{reader.GetInt32(1)} commits for 40 plugins: creation is not batched");
        Assert.AreEqual(40, reader.GetInt32(2), "every role has USAGE on the migration API schema");
        Assert.AreEqual(40, reader.GetInt32(3), "every plugin has its migration lock row");
    }

    [TestMethod]
    public async Task A_plugin_that_cannot_be_created_fails_alone_and_its_batch_mates_are_created()
    {
        await using var db = Cluster.Database(_ => { });
        var bad = TestPlugins.New("doomed");
        var good = Enumerable.Range(0, 12).Select(_ => TestPlugins.New("mate")).ToList();
        // The service's bootstrap has run once the first plugin exists; then a trigger refuses one plugin.
        await using (var _ = await db.OpenServiceAsync(TestPlugins.New("first"), None)) { }
        await using var admin = await OpenAdminAsync();
        await using (var trap = new NpgsqlCommand($$"""
            CREATE FUNCTION public.refuse_{{bad.Value.Replace('-', '_')}}() RETURNS trigger LANGUAGE plpgsql AS
              $f$ BEGIN IF NEW.plugin = '{{bad.Value}}' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $f$;
            CREATE TRIGGER refuse BEFORE INSERT ON _storage.plugins FOR EACH ROW EXECUTE FUNCTION public.refuse_{{bad.Value.Replace('-', '_')}}();
            """, admin))
            await trap.ExecuteNonQueryAsync();
        try
        {
            var attempts = good.Prepend(bad).Select(async p => { await using var _ = await db.OpenServiceAsync(p, None); }).ToList();
            var failure = await Assert.ThrowsExactlyAsync<StorageException>(() => attempts[0]);
            Assert.AreEqual("refused for the test", (failure.InnerException as PostgresException)?.MessageText, failure.ToString());
            await Task.WhenAll(attempts.Skip(1));
        }
        finally
        {
            await using var untrap = new NpgsqlCommand("DROP TRIGGER refuse ON _storage.plugins", admin);
            await untrap.ExecuteNonQueryAsync();
        }
        // Forgotten, not cached: once it can be created, it is.
        await using var retried = await db.OpenServiceAsync(bad, None);
        Assert.AreEqual(PostgresNames.Schema(bad), retried.Schema);
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var connection = new NpgsqlConnection(Cluster.Server.AdminConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        return connection;
    }
}
