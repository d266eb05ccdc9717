using Storage.Core;
using Storage.Sql.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlGuardTests
{
    private static readonly string[] Common =
    [
        "CREATE TABLE x (a integer)", "CREATE INDEX ix ON items (name)", "CREATE VIEW v AS SELECT 1",
        "CREATE TRIGGER tr AFTER INSERT ON items BEGIN SELECT 1; END", "DROP TABLE items", "DROP INDEX ix",
        "ALTER TABLE items ADD COLUMN z integer", "ALTER TABLE items RENAME TO gone", "TRUNCATE items",
        "BEGIN", "BEGIN TRANSACTION", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "SAVEPOINT s", "RELEASE s",
        "SET search_path = public", "RESET ALL", "PRAGMA table_info(items)", "PRAGMA writable_schema = 1",
        "ATTACH DATABASE 'other.db' AS other", "DETACH other", "COPY items TO STDOUT", "DO $$ BEGIN END $$", "CALL p()",
        "VACUUM", "ANALYZE", "REINDEX items", "EXPLAIN SELECT 1", "GRANT SELECT ON items TO PUBLIC",
        "REVOKE ALL ON items FROM PUBLIC", "LISTEN ch", "NOTIFY ch", "PREPARE p AS SELECT 1", "EXECUTE p", "DEALLOCATE p",
        "LOCK TABLE items", "SHOW search_path", "DISCARD ALL", "COMMENT ON TABLE items IS 'x'", "CHECKPOINT", "LOAD 'x'",
        "REFRESH MATERIALIZED VIEW v", "DECLARE c CURSOR FOR SELECT 1", "FETCH c", "VALUES (1)", "TABLE items",
        "MERGE INTO items USING items AS s ON items.id = s.id WHEN MATCHED THEN DELETE",
        "SELECT 1; SELECT 2", "SELECT 1; DROP TABLE items", "SELECT 1;; SELECT 2", "SELECT * INTO copy FROM items",
        "CREATE TABLE copy AS SELECT * FROM items", "REPLACE INTO items (id, name) VALUES (9, 'x'); DELETE FROM items",
        "(SELECT 1); DELETE FROM items", "/* c */ DROP TABLE items", "-- c\nDROP TABLE items",
    ];

    [TestMethod]
    [DataRow(Backend.Sqlite, false)]
    [DataRow(Backend.Sqlite, true)]
    [DataRow(Backend.Postgres, false)]
    [DataRow(Backend.Postgres, true)]
    public async Task Every_forbidden_statement_class_is_refused_saying_what_is_allowed(string backend, bool allowWrite)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var runner = SqlTestSchema.Runner(backend);
        foreach (var query in Common)
        {
            var error = await Assert.ThrowsExactlyAsync<StorageException>(
                () => runner.QueryAsync(plugin, new SqlQueryRequest(query, AllowWrite: allowWrite), CancellationToken.None), query);
            Assert.AreEqual(StorageErrorCode.Forbidden, error.Code, query);
            StringAssert.Contains(error.Message, "SELECT", query);
            StringAssert.Contains(error.Message, "db.migrate", query);
        }
        var count = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT count(*) AS n FROM items");
        Assert.AreEqual("""[{"n":3}]""", count.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Data_modifying_statements_without_allow_write_are_refused(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        string[] writes =
        [
            "INSERT INTO items (id, name) VALUES (9, 'x')", "UPDATE items SET qty = 0", "DELETE FROM items",
            "WITH d AS (DELETE FROM items RETURNING id) SELECT * FROM d", "  (DELETE FROM items)",
        ];
        foreach (var query in writes)
        {
            var error = await SqlTestSchema.FailAsync(backend, plugin, $$"""{"query":{{SqlTestSchema.Quote(query)}} }""");
            Assert.AreEqual(StorageErrorCode.Forbidden, error.Code, query);
        }
        var count = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT count(*) AS n FROM items");
        Assert.AreEqual("""[{"n":3}]""", count.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Statement_separators_and_keywords_inside_literals_are_data(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var reply = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT ';DROP TABLE items; --' AS a, \"name\" AS \"x;y\" FROM items WHERE id = 1 /* ; DELETE */;");
        Assert.AreEqual("""[{"a":";DROP TABLE items; --","x;y":"apple"}]""", reply.Rows.GetRawText());
    }

    [TestMethod]
    public async Task Postgres_nested_comments_cannot_smuggle_a_second_statement_past_the_driver()
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(Backend.Postgres, plugin);
        // Read as PostgreSQL does (nested comments) this is one DELETE; a lexer that did not nest would see three statements.
        var reply = await SqlTestSchema.QueryAsync(Backend.Postgres, plugin, "DELETE FROM items WHERE id = 99 /* /* */ ; DELETE FROM items; SELECT 1 -- */", allowWrite: true);
        Assert.AreEqual(0, reply.RowCount);
        var count = await SqlTestSchema.QueryAsync(Backend.Postgres, plugin, "SELECT count(*) AS n FROM items");
        Assert.AreEqual("""[{"n":3}]""", count.Rows.GetRawText());
    }

    [TestMethod]
    public void Postgres_dollar_quotes_and_nested_comments_hide_separators()
    {
        var statement = StatementGuard.Check("SELECT $q$ ; DROP TABLE t; $q$ /* a /* ; */ b ; */ , 1::int", postgres: true, allowWrite: false, ownSchema: "plugin_x");
        Assert.IsFalse(statement.IsWrite);
        Assert.AreEqual("select ? , ?::int", statement.Fingerprint);
    }

    [TestMethod]
    public void Sqlite_bracket_and_backtick_names_are_checked_like_any_name()
    {
        foreach (var query in new[] { "SELECT * FROM [sqlite_master]", "SELECT * FROM `_storage_kv`", "SELECT * FROM \"sqlite_schema\"" })
            Assert.AreEqual(StorageErrorCode.Forbidden,
                Assert.ThrowsExactly<StorageException>(() => StatementGuard.Check(query, postgres: false, allowWrite: false, ownSchema: null)).Code, query);
    }

    [TestMethod]
    [DataRow("SELECT 'open", true)]
    [DataRow("SELECT \"open", false)]
    [DataRow("SELECT $a$ open", true)]
    [DataRow("SELECT 1 /* open", true)]
    [DataRow("SELECT [open", false)]
    public void Unterminated_literals_are_invalid_request(string query, bool postgres) =>
        Assert.AreEqual(StorageErrorCode.InvalidRequest,
            Assert.ThrowsExactly<StorageException>(() => StatementGuard.Check(query, postgres, allowWrite: false, ownSchema: null)).Code);

    [TestMethod]
    [DataRow("SELECT ?", false)]
    [DataRow("SELECT $1", true)]
    [DataRow("SELECT @x", false)]
    [DataRow("SELECT $x", false)]
    public void Other_placeholder_styles_are_invalid_request(string query, bool postgres)
    {
        var error = Assert.ThrowsExactly<StorageException>(() => StatementGuard.Check(query, postgres, allowWrite: false, ownSchema: null));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        StringAssert.Contains(error.Message, ":name");
    }

    [TestMethod]
    public void Fingerprints_keep_the_shape_and_drop_literals_and_values()
    {
        var statement = StatementGuard.Check("SELECT *  FROM t -- note\nWHERE a = 'secret' AND b = 42 AND c IN (:p, :p, :q)", postgres: true, allowWrite: false, ownSchema: null);
        Assert.AreEqual("select * from t where a = ? and b = ? and c in (:p, :p, :q)", statement.Fingerprint);
        Assert.AreEqual("SELECT *  FROM t -- note\nWHERE a = 'secret' AND b = 42 AND c IN ($1, $1, $2)", statement.Sql);
        CollectionAssert.AreEqual(new[] { "p", "q" }, statement.ParameterNames.ToArray());
    }
}
