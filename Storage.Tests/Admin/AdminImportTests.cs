using System.CommandLine;
using System.Text.Json;
using Storage.Core;
using Storage.Host.Commands;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Admin;

/// <summary>
/// <c>db.admin.import.&lt;plugin&gt;</c> and the <c>export</c>/<c>import</c> commands: an export restored into a
/// plugin with the same migrations gives back every value exactly, on one backend and across them
/// (SQLite to PostgreSQL and back, the quote-db and trivia data sets).
/// </summary>
[TestClass]
public sealed class AdminImportTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite, Backend.Sqlite)]
    [DataRow(Backend.Postgres, Backend.Postgres)]
    [DataRow(Backend.Sqlite, Backend.Postgres)]
    [DataRow(Backend.Postgres, Backend.Sqlite)]
    public async Task An_export_imported_into_a_plugin_with_the_same_migrations_exports_identically(string from, string to)
    {
        var source = await TransferTestData.FilledPluginAsync(from);
        var export = await AdminTestData.SucceedAsync(from, $"db.admin.export.{source}", "{}");
        var target = TestPlugins.New("imp");
        await TransferTestData.MigrateAsync(to, target);

        var import = await AdminTestData.SucceedAsync(to, $"db.admin.import.{target}", export.Body.GetRawText());

        Assert.AreEqual(export["kv"].GetArrayLength(), import["kv"].GetInt32());
        Assert.AreEqual(4, import["tables"].GetProperty("trivia_rounds").GetInt32());
        var again = await AdminTestData.SucceedAsync(to, $"db.admin.export.{target}", "{}");
        foreach (var part in new[] { "kv", "tables" })
            Assert.AreEqual(export[part].GetRawText(), again[part].GetRawText(), $"{part} differs after {from} -> {to}");
        // A checksum covers the script the backend ran: the trivia migration has one per backend.
        Assert.AreEqual(Versions(export), Versions(again));
        if (from == to)
            Assert.AreEqual(export["migrations"].GetRawText(), again["migrations"].GetRawText());

        // Later writes continue past what was imported: KV revisions grow, serial ids follow the largest.
        var newest = export["kv"].EnumerateArray().Max(e => e.GetProperty("revision").GetInt64());
        var set = await AdminTestData.SucceedAsync(to, $"db.kv.{target}.set", """{"key":"after","value":1}""");
        Assert.IsGreaterThan(newest, set["revision"].GetInt64());
        var round = await AdminTestData.SucceedAsync(to, $"db.row.{target}.insert",
            """{"table":"trivia_rounds","data":{"user_id":"dee","result":"win","timestamp":"2025-11-23T00:00:00Z"}}""");
        Assert.AreEqual(5, round["id"].GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Import_into_a_plugin_with_other_migrations_is_conflict_naming_the_version_and_writes_nothing(string backend)
    {
        var source = await TransferTestData.FilledPluginAsync(backend);
        var export = await AdminTestData.SucceedAsync(backend, $"db.admin.export.{source}", "{}");
        var target = TestPlugins.New("imp");
        await AdminTestData.SucceedAsync(backend, $"db.migrate.{target}", $$"""{"action":"apply","migrations":{{AdminTestData.Migration}}}""");
        await AdminTestData.SucceedAsync(backend, $"db.kv.{target}.set", """{"key":"mine","value":1}""");

        var reply = await TestHosts.RequestAsync(backend, $"db.admin.import.{target}", export.Body.GetRawText());

        Assert.AreEqual("CONFLICT", reply.ErrorCode, reply.Body.ToString());
        StringAssert.Contains(reply.ErrorMessage, "'002_trivia'");
        Assert.AreEqual("002_trivia", reply.Body.GetProperty("error").GetProperty("details").GetProperty("version").GetString());
        Assert.IsTrue((await TestHosts.RequestAsync(backend, $"db.kv.{target}.get", """{"key":"mine"}"""))["exists"].GetBoolean());
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"db.kv.{target}.get", """{"key":"game:active"}"""))["exists"].GetBoolean());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Import_refuses_a_body_that_is_not_an_export_naming_the_field(string backend)
    {
        var target = TestPlugins.New("imp");
        foreach (var (body, field) in new[]
        {
            ("""{"kv":[],"tables":{}}""", "migrations"),
            ("""{"migrations":[],"tables":{}}""", "kv"),
            ("""{"migrations":[],"kv":[]}""", "tables"),
            ("""{"migrations":[],"kv":[{"key":"k"}],"tables":{}}""", "kv[0]"),
            ("""{"migrations":[],"kv":[{"key":"k","value":1,"revision":0}],"tables":{}}""", "kv[0].revision"),
            ("""{"migrations":[],"kv":[],"tables":{"nope":[]}}""", "table"),
        })
        {
            var reply = await TestHosts.RequestAsync(backend, $"db.admin.import.{target}", body);
            Assert.IsTrue(reply.IsError, body);
            Assert.AreEqual(field, reply.Body.GetProperty("error").GetProperty("details").GetProperty("field").GetString(), reply.Body.ToString());
        }
    }

    [TestMethod]
    public async Task The_commands_copy_a_plugin_from_sqlite_to_postgres_through_a_file()
    {
        var source = await TransferTestData.FilledPluginAsync(Backend.Sqlite);
        var target = TestPlugins.New("imp");
        await TransferTestData.MigrateAsync(Backend.Postgres, target);
        var file = Path.Combine(Directory.CreateTempSubdirectory("storage-export-").FullName, "quote-db.json");
        var output = new StringWriter();

        Assert.AreEqual(0, await RunAsync(output, ["export", "--plugin", source.Value, "--file", file, .. TestHosts.Arguments(Backend.Sqlite, "nats://127.0.0.1:9")]), output.ToString());
        Assert.AreEqual(0, await RunAsync(output, ["import", "--plugin", target.Value, "--file", file, .. TestHosts.Arguments(Backend.Postgres, "nats://127.0.0.1:9")]), output.ToString());

        var original = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        var copied = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.admin.export.{target}", "{}");
        Assert.AreEqual(original.GetProperty("tables").GetRawText(), copied["tables"].GetRawText());
        Assert.AreEqual(original.GetProperty("kv").GetRawText(), copied["kv"].GetRawText());
        Assert.IsFalse(File.Exists(file + ".partial"));
    }

    [TestMethod]
    public async Task A_table_whose_plugin_forces_row_level_security_is_imported_through_its_policies()
    {
        // PostgreSQL refuses COPY FROM where row-level security applies, and a plugin may force it on
        // its own tables: the import must still restore them (as inserts, which its policies check).
        const string Migration = """
            [{"version":"001","up":"CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL); ALTER TABLE notes ENABLE ROW LEVEL SECURITY; ALTER TABLE notes FORCE ROW LEVEL SECURITY; CREATE POLICY everything ON notes USING (true) WITH CHECK (true)"}]
            """;
        var (source, target) = (TestPlugins.New("rls"), TestPlugins.New("imp"));
        foreach (var plugin in new[] { source, target })
            await AdminTestData.SucceedAsync(Backend.Postgres, $"db.migrate.{plugin}", $$"""{"action":"apply","migrations":{{Migration}}}""");
        await AdminTestData.SucceedAsync(Backend.Postgres, $"db.row.{source}.insert", """{"table":"notes","data":[{"body":"a\tb"},{"body":"c"}]}""");
        var export = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.admin.export.{source}", "{}");

        var import = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.admin.import.{target}", export.Body.GetRawText());

        Assert.AreEqual(2, import["tables"].GetProperty("notes").GetInt32());
        var again = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.admin.export.{target}", "{}");
        Assert.AreEqual(export["tables"].GetRawText(), again["tables"].GetRawText());
    }

    private static string Versions(Reply export) =>
        string.Join(",", export["migrations"].EnumerateArray().Select(m => m.GetProperty("version").GetString()));

    private static Task<int> RunAsync(TextWriter output, string[] args) =>
        new RootCommand { TransferCommands.Export(), TransferCommands.Import() }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
}

/// <summary>The quote-db and trivia reference plugins' migrations (one text for both backends) and data.</summary>
internal static class TransferTestData
{
    private const string TriviaPostgres = """
        CREATE TABLE trivia_rounds (id bigserial PRIMARY KEY, user_id text NOT NULL, result text NOT NULL, timestamp timestamptz NOT NULL);
        CREATE TABLE trivia_stats (id bigserial PRIMARY KEY, user_id text NOT NULL UNIQUE, wins integer NOT NULL DEFAULT 0, played integer NOT NULL DEFAULT 0);
        """;

    private const string TriviaSqlite = """
        CREATE TABLE trivia_rounds (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, result TEXT NOT NULL, timestamp TIMESTAMP NOT NULL);
        CREATE TABLE trivia_stats (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL UNIQUE, wins INTEGER NOT NULL DEFAULT 0, played INTEGER NOT NULL DEFAULT 0);
        """;

    public static async Task MigrateAsync(string backend, PluginId plugin)
    {
        var quotes = JsonDocument.Parse(AdminTestData.Migration).RootElement[0].GetRawText();
        var trivia = JsonSerializer.Serialize(new Dictionary<string, string> { ["postgres"] = TriviaPostgres, ["sqlite"] = TriviaSqlite });
        await AdminTestData.SucceedAsync(backend, $"db.migrate.{plugin}",
            $$"""{"action":"apply","migrations":[{{quotes}},{"version":"002_trivia","up":{{trivia}}}]}""");
    }

    public static async Task<PluginId> FilledPluginAsync(string backend)
    {
        var plugin = TestPlugins.New("exp");
        await MigrateAsync(backend, plugin);
        await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.insert", """
            {"table":"quotes","data":[
              {"id":1,"text":"It's a trap!","score":2.5,"active":true,"meta":{"tags":["a"],"by":"Ackbar"}},
              {"id":2,"text":"Ünïcödé ✓ \"quoted\"","score":null,"active":false},
              {"id":7,"text":"third","score":-1.25,"active":true,"meta":[1,2.5,null]}]}
            """);
        await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.insert", """
            {"table":"trivia_rounds","data":[
              {"user_id":"ada","result":"win","timestamp":"2025-11-22T10:00:00Z"},
              {"user_id":"ada","result":"win","timestamp":"2025-11-22T10:01:00.5Z"},
              {"user_id":"bob","result":"lose","timestamp":"2025-11-22T12:04:00+02:00"},
              {"user_id":"cy","result":"win","timestamp":"2025-11-20T09:00:00.123456Z"}]}
            """);
        await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.insert", """
            {"table":"trivia_stats","data":[{"user_id":"ada","wins":2,"played":2},{"user_id":"bob","played":1}]}
            """);
        await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"game:active","value":{"question":"6 x 7?","answer":"42"},"ttl":3600}""");
        await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"last_id","value":41}""");
        await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.incr", """{"key":"last_id"}""");
        await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.set", """{"key":"motd","value":"Hello, \u00e9t\u00e9 😀"}""");
        return plugin;
    }
}
