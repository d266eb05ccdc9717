using System.Text.Json;
using Storage.Core;
using Storage.Kv;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlIsolationTests
{
    private static string[] PostgresAttempts(string victim) =>
    [
        $"SELECT * FROM plugin_{victim}.secrets", $"SELECT * FROM \"plugin_{victim}\".secrets", $"SELECT * FROM plugin_{victim} . secrets",
        $"WITH x AS (SELECT * FROM plugin_{victim}.secrets) SELECT * FROM x", $"SELECT (SELECT v FROM \"plugin_{victim}\".\"secrets\" LIMIT 1) AS v",
        $"SELECT * FROM items WHERE name IN (SELECT v FROM plugin_{victim}.secrets)", "SELECT * FROM secrets",
        "SELECT * FROM pg_catalog.pg_tables", "SELECT * FROM pg_tables", "SELECT * FROM PG_CATALOG.PG_AUTHID", "SELECT * FROM pg_catalog . pg_user",
        "SELECT * FROM information_schema.tables", "SELECT * FROM \"information_schema\".\"tables\"", "SELECT relname FROM pg_class",
        "SELECT nspname FROM pg_namespace", "SELECT rolname FROM pg_roles", "SELECT usename, passwd FROM pg_shadow", "SELECT datname FROM pg_database",
        "SELECT query FROM pg_stat_activity", "SELECT pg_read_file('/etc/passwd')", "SELECT pg_ls_dir('.')", "SELECT lo_import('/etc/passwd')",
        "SELECT current_setting('data_directory')", $"SELECT set_config('search_path', 'plugin_{victim}', false)", "SELECT version()",
        "SELECT current_database()", "SELECT inet_server_addr()", "SELECT * FROM _storage.plugins", "SELECT * FROM \"_storage\".\"plugins\"",
        "SELECT * FROM _storage_kv", "SELECT value FROM \"_storage_kv\"", $"SELECT 'plugin_{victim}.secrets'::regclass",
        $"SELECT to_regclass('plugin_{victim}.secrets')", $"SELECT has_table_privilege('plugin_{victim}.secrets', 'SELECT')",
        $"SELECT query_to_xml('select * from plugin_{victim}.secrets', true, true, '')", $"SELECT ts_stat('select v::tsvector from plugin_{victim}.secrets')",
        "SELECT * FROM U&\"pg\\005fclass\"", "SELECT * FROM public.anything", "COPY (SELECT 1) TO '/tmp/x'", $"SET ROLE plugin_{victim}",
        "SELECT * FROM dblink('dbname=postgres', 'select 1') AS t(a int)",
    ];

    private static string[] PostgresWriteAttempts(string victim) =>
    [
        $"UPDATE plugin_{victim}.secrets SET v = 'x'", $"INSERT INTO plugin_{victim}.secrets (v) VALUES ('x')", $"DELETE FROM \"plugin_{victim}\".secrets",
        "DELETE FROM _storage_kv", "UPDATE \"_storage_kv\" SET value = '1'", "INSERT INTO _storage.plugins (plugin) VALUES ('x')",
        $"SELECT query_to_xml('delete from plugin_{victim}.secrets', true, true, '')", "SELECT * INTO stolen FROM items",
    ];

    private static string[] SqliteAttempts(string directory, string victim) =>
    [
        $"ATTACH DATABASE '{directory}/{victim}.db' AS v", "SELECT * FROM v.secrets", "SELECT * FROM secrets", "SELECT * FROM sqlite_master",
        "SELECT * FROM [sqlite_master]", "SELECT * FROM `sqlite_master`", "SELECT * FROM \"sqlite_schema\"", "SELECT * FROM sqlite_temp_master",
        "SELECT * FROM main.sqlite_master", "SELECT (SELECT group_concat(sql) FROM sqlite_master) AS s", "SELECT * FROM sqlite_sequence",
        "SELECT * FROM _storage_kv", "SELECT * FROM [_storage_kv]", "SELECT * FROM \"_storage_kv_revision\"",
        "WITH x AS (SELECT * FROM _storage_kv) SELECT * FROM x", "SELECT * FROM items WHERE name IN (SELECT key FROM _storage_kv)",
        "PRAGMA database_list", "SELECT * FROM pragma_database_list", "SELECT * FROM pragma_table_info('_storage_kv')",
        "SELECT load_extension('x')", "SELECT readfile('/etc/passwd')", "SELECT writefile('/tmp/x', 'y')", "SELECT sqlite_version()",
        "SELECT * FROM dbstat", "SELECT fts3_tokenizer('simple')", "SELECT edit('x')", "SELECT * FROM zipfile('/tmp/x.zip')",
        "CREATE TEMP TABLE x (a)", "SELECT * FROM temp.x", "SELECT * FROM pg_catalog.pg_tables", "SELECT * FROM information_schema.tables",
        "VACUUM INTO '/tmp/copy.db'",
    ];

    private static readonly HashSet<string> Unresolvable = ["SELECT * FROM secrets", "SELECT * FROM v.secrets", "SELECT * FROM temp.x"];

    private static readonly string[] SqliteWriteAttempts =
    [
        "INSERT INTO _storage_kv (key, value) VALUES ('x', '1')", "DELETE FROM _storage_kv", "UPDATE [_storage_kv] SET value = '2'",
        "REPLACE INTO _storage_kv (key, value) VALUES ('x', '1')", "INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, '')",
        "DELETE FROM \"_storage_kv_revision\"",
    ];

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Cross_plugin_catalog_and_service_table_access_all_fail_and_leak_nothing(string backend)
    {
        var victim = PluginId.Parse("victim_" + Guid.NewGuid().ToString("N")[..12]);
        var attacker = TestPlugins.New("attacker");
        var secret = "TOPSECRET-" + Guid.NewGuid().ToString("N");
        await SqlTestSchema.ExecuteAsync(backend, victim, "CREATE TABLE secrets (v text)");
        await SqlTestSchema.ExecuteAsync(backend, victim, $"INSERT INTO secrets (v) VALUES ('{secret}')");
        var kv = TestBackends.Get<IKvStore>(backend);
        await kv.SetAsync(victim, new KvSetRequest("k", JsonSerializer.SerializeToElement(secret)), CancellationToken.None);
        await kv.SetAsync(attacker, new KvSetRequest("k", JsonSerializer.SerializeToElement(secret)), CancellationToken.None);
        await SqlTestSchema.CreateItemsAsync(backend, attacker);

        var reads = backend == Backend.Postgres ? PostgresAttempts(victim.Value) : SqliteAttempts(TestEnvironment.SqliteDirectory, victim.Value);
        var writes = backend == Backend.Postgres ? PostgresWriteAttempts(victim.Value) : SqliteWriteAttempts;
        Assert.IsGreaterThanOrEqualTo(30, reads.Length + writes.Length);
        var runner = SqlTestSchema.Runner(backend);
        foreach (var (query, allowWrite) in reads.Select(q => (q, false)).Concat(reads.Select(q => (q, true))).Concat(writes.Select(q => (q, true))))
        {
            try
            {
                var reply = await runner.QueryAsync(attacker, new SqlQueryRequest(query, AllowWrite: allowWrite), CancellationToken.None);
                Assert.Fail($"'{query}' (allow_write: {allowWrite}) succeeded: {reply.Rows}");
            }
            catch (StorageException ex)
            {
                // Only names that resolve to nothing in the caller's own scope may be NOT_FOUND.
                var expected = Unresolvable.Contains(query) ? StorageErrorCode.NotFound : StorageErrorCode.Forbidden;
                Assert.AreEqual(expected, ex.Code, $"{query}: {ex.Message}");
                Assert.DoesNotContain(secret, ex.Message, query);
            }
        }

        var stillThere = await SqlTestSchema.QueryAsync(backend, victim, "SELECT v FROM secrets");
        Assert.AreEqual($$"""[{"v":"{{secret}}"}]""", stillThere.Rows.GetRawText());
        Assert.AreEqual(secret, (await kv.GetAsync(attacker, new KvGetRequest("k"), CancellationToken.None)).Value!.Value.GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_database_refuses_other_plugins_and_service_tables_without_the_guard(string backend)
    {
        var victim = PluginId.Parse("victim_" + Guid.NewGuid().ToString("N")[..12]);
        var attacker = TestPlugins.New("attacker");
        await SqlTestSchema.ExecuteAsync(backend, victim, "CREATE TABLE secrets (v text)");
        await TestBackends.Get<IKvStore>(backend).SetAsync(attacker, new KvSetRequest("k", JsonSerializer.SerializeToElement(1)), CancellationToken.None);
        var database = TestBackends.Get<IPluginDatabase>(backend);
        string[] raw = backend == Backend.Postgres
            ? [$"SELECT * FROM plugin_{victim}.secrets", "SELECT * FROM _storage.plugins", "SELECT * FROM _storage.kv", "SELECT pg_read_file('/etc/passwd')", "DELETE FROM _storage.kv"]
            : [$"ATTACH DATABASE '{TestEnvironment.SqliteDirectory}/{victim}.db' AS v", "SELECT * FROM _storage_kv", "DELETE FROM _storage_kv", "SELECT load_extension('x')", "PRAGMA database_list"];
        foreach (var sql in raw)
        {
            await using var connection = await database.OpenPluginAsync(attacker, PluginAccess.Write, CancellationToken.None);
            await using var command = connection.CreateCommand(sql);
            var error = await Assert.ThrowsAsync<Exception>(() => command.ExecuteNonQueryAsync(), sql);
            Assert.AreEqual(StorageErrorCode.Forbidden, ProviderErrors.Translate(error)?.Code, $"{sql}: {error.Message}");
        }
    }
}
