using System.Text.Json;
using Storage.Core;
using Storage.Migrations;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using Storage.Tests.Migrations;

namespace Storage.Tests.Rows;

/// <summary>describe through NATS, the PostgreSQL-dialect reference migration on SQLite, and errors that suggest.</summary>
[TestClass]
public sealed class RowDescribeTests
{
    private const string Reference = "CREATE TABLE quotes (id SERIAL PRIMARY KEY, text TEXT NOT NULL, author VARCHAR(255), added_by VARCHAR(255), timestamp TIMESTAMPTZ DEFAULT NOW())";

    private static async Task<PluginId> ReferenceAsync(string backend)
    {
        var plugin = TestPlugins.New("d");
        var reply = await TestHosts.RequestAsync(backend, $"db.migrate.{plugin}",
            JsonSerializer.Serialize(new { action = "apply", migrations = new[] { new { version = "001", up = Reference, down = "DROP TABLE quotes" } } }));
        Assert.IsFalse(reply.IsError, reply.Body.ToString());
        return plugin;
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_reference_postgres_migration_describes_the_same_through_nats_on_both_backends(string backend)
    {
        var plugin = await ReferenceAsync(backend);
        var insert = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.insert", """{"table":"quotes","data":{"text":"hi","author":"x"}}""");
        Assert.AreEqual(1, insert["id"].GetInt32(), insert.Body.ToString());
        var row = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.select", """{"table":"quotes","id":1}""");
        Assert.IsTrue(row["row"].GetProperty("timestamp").GetString()!.EndsWith('Z'), row.Body.ToString());

        var all = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.describe", "{}");
        var one = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.describe", """{"table":"quotes"}""");

        Snapshot.Match(all.Body, "reference_describe");
        Assert.AreEqual(all.Body.GetRawText(), one.Body.GetRawText());
        var rollback = await TestHosts.RequestAsync(backend, $"db.migrate.{plugin}", """{"action":"rollback"}""");
        Assert.IsFalse(rollback.IsError, rollback.Body.ToString());
        Assert.AreEqual("""{"tables":[]}""", (await TestHosts.RequestAsync(backend, $"db.row.{plugin}.describe", "{}")).Body.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Unknown_tables_columns_and_operators_suggest_the_name_meant(string backend)
    {
        var plugin = await ReferenceAsync(backend);
        var table = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.describe", """{"table":"quote"}""");
        Assert.AreEqual("NOT_FOUND", table.ErrorCode);
        Assert.AreEqual("quotes", table["error"].GetProperty("details").GetProperty("suggestion").GetString());
        Assert.Contains("Did you mean 'quotes'?", table.ErrorMessage!);

        var rows = TestBackends.Get<IRowStore>(backend);
        StorageException Error(Func<Task> call) => Assert.ThrowsAsync<StorageException>(call).GetAwaiter().GetResult();
        var column = Error(() => rows.SearchAsync(plugin, new RowSearchRequest("quotes", Json("""{"autor":"x"}""")), default));
        Assert.AreEqual("author", column.Details["suggestion"]);
        var op = Error(() => rows.SearchAsync(plugin, new RowSearchRequest("quotes", Json("""{"author":{"$gtee":"x"}}""")), default));
        Assert.AreEqual("$gte", op.Details["suggestion"]);
        Assert.Contains("Known operators:", op.Message);
        var update = Error(() => rows.UpdateAsync(plugin, new RowUpdateRequest("quotes", Json("1"), Operations: Json("""{"$icn":{"text":1}}""")), default));
        Assert.AreEqual("$inc", update.Details["suggestion"]);
        var far = Error(() => rows.SearchAsync(plugin, new RowSearchRequest("quotes", Json("""{"zzzzzz":"x"}""")), default));
        Assert.IsFalse(far.Details.ContainsKey("suggestion"));

        var select = Error(() => rows.SelectAsync(plugin, new RowSelectRequest("quotes"), default));
        Assert.AreEqual("id", select.Details["field"]);
        Assert.AreEqual("id,ids,filters", select.Details["fields"]);
    }

    [TestMethod]
    public async Task Sql_params_sent_as_a_list_say_an_object_of_named_parameters_is_expected()
    {
        var plugin = await ReferenceAsync(Backend.Sqlite);
        var reply = await TestHosts.RequestAsync(Backend.Sqlite, $"db.sql.{plugin}.query", """{"query":"SELECT 1","params":[1]}""");
        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode);
        Assert.Contains("expected an object of named parameters", reply.ErrorMessage!);
    }

    [TestMethod]
    [DataRow("get", "gte", "gte")]
    [DataRow("$gtee", "$gte,$gt,$eq", "$gte")]
    [DataRow("qoutes", "quotes,votes", "quotes")]
    [DataRow("x", "quotes", null)]
    [DataRow("", "a", null)]
    public void Suggest_picks_the_nearest_plausible_name(string name, string candidates, string? expected) =>
        Assert.AreEqual(expected, Suggest.Closest(name, candidates.Split(',')));

    [TestMethod]
    public void The_translator_leaves_strings_comments_and_other_sql_alone()
    {
        var sql = "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, ok BOOLEAN DEFAULT TRUE, j JSONB, b BYTEA, note TEXT DEFAULT 'DEFAULT NOW() jsonb' /* SERIAL PRIMARY KEY */, x INT); -- DEFAULT FALSE";
        Assert.AreEqual(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, ok BOOLEAN DEFAULT 1, j JSON, b BLOB, note TEXT DEFAULT 'DEFAULT NOW() jsonb' /* SERIAL PRIMARY KEY */, x INT); -- DEFAULT FALSE",
            Storage.Migrations.Internal.PostgresDdlTranslator.ToSqlite(sql));
        Assert.AreEqual("SELECT $$ SERIAL PRIMARY KEY $$", Storage.Migrations.Internal.PostgresDdlTranslator.ToSqlite("SELECT $$ SERIAL PRIMARY KEY $$"));
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
