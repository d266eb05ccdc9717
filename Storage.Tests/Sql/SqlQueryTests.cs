using Storage.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlQueryTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Select_returns_columns_and_typed_rows(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var reply = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT id, name, qty, price, active, data, created FROM items ORDER BY id");
        CollectionAssert.AreEqual(new[] { "id", "name", "qty", "price", "active", "data", "created" }, reply.Columns.ToArray());
        Assert.AreEqual(3, reply.RowCount);
        Assert.IsFalse(reply.Truncated);
        Assert.IsGreaterThanOrEqualTo(0.0, reply.ElapsedMs);
        Assert.IsNull(reply.Plan);
        Assert.AreEqual(
            """{"id":1,"name":"apple","qty":3,"price":1.5,"active":true,"data":{"a":"red","b":[1,2]},"created":"2025-11-22T10:30:00Z"}""",
            reply.Rows[0].GetRawText());
        Assert.AreEqual("""{"id":3,"name":"it's :name","qty":null,"price":null,"active":null,"data":null,"created":null}""", reply.Rows[2].GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_parameter_used_twice_binds_the_same_value(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var reply = await SqlTestSchema.RunAsync(backend, plugin,
            """{"query":"SELECT id FROM items WHERE qty >= :n AND id <= :n + 2 OR name = :who ORDER BY id","params":{"n":1,"who":"pear"}}""");
        Assert.AreEqual("""[{"id":1},{"id":2}]""", reply.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_missing_parameter_is_invalid_request_naming_it(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var error = await SqlTestSchema.FailAsync(backend, plugin, """{"query":"SELECT id FROM items WHERE name = :name AND qty > :qty","params":{"name":"x"}}""");
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual("params.qty", error.Details["field"]);
        StringAssert.Contains(error.Message, ":qty");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Placeholders_inside_strings_quoted_names_and_comments_are_not_parameters(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var reply = await SqlTestSchema.RunAsync(backend, plugin, """
            {"query":"SELECT ':x' AS \":y\", name /* :z */ FROM items -- :w\n WHERE name = 'it''s :name' AND id = :id","params":{"id":3}}
            """);
        Assert.AreEqual("""[{":y":":x","name":"it's :name"}]""", reply.Rows.GetRawText());
    }

    [TestMethod]
    public async Task Postgres_casts_and_dollar_quotes_are_not_parameters()
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(Backend.Postgres, plugin);
        var reply = await SqlTestSchema.RunAsync(Backend.Postgres, plugin,
            """{"query":"SELECT :n::int + 1 AS next, $$ :x ' $$::text AS quoted, $t$ -- :y $t$ AS tagged, E'\\' :z' AS escaped","params":{"n":"41"}}""");
        Assert.AreEqual("""[{"next":42,"quoted":" :x ' ","tagged":" -- :y ","escaped":"' :z"}]""", reply.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Array_parameters_work_with_any_or_json_each(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var query = backend == Backend.Postgres
            ? "SELECT id FROM items WHERE id = ANY(:ids) ORDER BY id"
            : "SELECT id FROM items WHERE id IN (SELECT value FROM json_each(:ids)) ORDER BY id";
        var reply = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"{{query}}","params":{"ids":[1,3,99]} }""");
        Assert.AreEqual("""[{"id":1},{"id":3}]""", reply.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Object_parameter_values_are_invalid_request(string backend)
    {
        var plugin = TestPlugins.New();
        var error = await SqlTestSchema.FailAsync(backend, plugin, """{"query":"SELECT :v AS v","params":{"v":{"a":1}}}""");
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual("params.v", error.Details["field"]);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Writes_need_allow_write_and_then_commit(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        const string insert = "INSERT INTO items (id, name, qty) VALUES (:id, :name, :qty)";
        var refused = await SqlTestSchema.FailAsync(backend, plugin, $$"""{"query":"{{insert}}","params":{"id":10,"name":"fig","qty":7} }""");
        Assert.AreEqual(StorageErrorCode.Forbidden, refused.Code);
        StringAssert.Contains(refused.Message, "allow_write");

        var written = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"{{insert}}","params":{"id":10,"name":"fig","qty":7},"allow_write":true}""");
        Assert.AreEqual(1, written.RowCount);
        var updated = await SqlTestSchema.RunAsync(backend, plugin, """{"query":"UPDATE items SET qty = qty + 1 WHERE id IN (1, 10) RETURNING id, qty","allow_write":true}""");
        Assert.AreEqual(2, updated.RowCount);
        var read = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT qty FROM items WHERE id = 10");
        Assert.AreEqual("""[{"qty":8}]""", read.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Sql_errors_are_invalid_request_and_unknown_tables_not_found(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var syntax = await SqlTestSchema.FailAsync(backend, plugin, """{"query":"SELECT FROM WHERE"}""");
        Assert.AreEqual(StorageErrorCode.InvalidRequest, syntax.Code);
        var unknown = await SqlTestSchema.FailAsync(backend, plugin, """{"query":"SELECT * FROM nope"}""");
        Assert.AreEqual(StorageErrorCode.NotFound, unknown.Code);
        var conflict = await SqlTestSchema.FailAsync(backend, plugin, """{"query":"INSERT INTO items (id, name) VALUES (1, 'dup')","allow_write":true}""");
        Assert.AreEqual(StorageErrorCode.Conflict, conflict.Code);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Explain_adds_the_plan(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var reply = await SqlTestSchema.RunAsync(backend, plugin, """{"query":"SELECT name FROM items WHERE id = :id","params":{"id":1},"explain":true}""");
        Assert.AreEqual("""[{"name":"apple"}]""", reply.Rows.GetRawText());
        Assert.IsNotNull(reply.Plan);
        var plan = reply.Plan.Value;
        Assert.AreEqual(System.Text.Json.JsonValueKind.Array, plan.ValueKind);
        if (backend == Backend.Postgres)
        {
            Assert.IsTrue(plan[0].TryGetProperty("Plan", out _), plan.GetRawText());
            Assert.IsTrue(plan[0].TryGetProperty("Execution Time", out _), plan.GetRawText());
        }
        else
            StringAssert.Contains(plan[0].GetProperty("detail").GetString(), "items");

        var write = await SqlTestSchema.RunAsync(backend, plugin, """{"query":"DELETE FROM items WHERE id = 2","allow_write":true,"explain":true}""");
        Assert.IsNotNull(write.Plan);
        Assert.AreEqual(1, write.RowCount);
    }
}
