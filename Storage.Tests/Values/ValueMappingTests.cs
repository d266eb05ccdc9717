using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Tests.Admin;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Values;

/// <summary>
/// One column of every type reads the same through every tier (row select and search, SQL query,
/// admin export), on both backends, as docs/sql.md's value table says.
/// </summary>
[TestClass]
public sealed class ValueMappingTests
{
    private const string PostgresTable = """
        CREATE TABLE vals (id integer PRIMARY KEY, big bigint, small smallint, num numeric(10,2), huge numeric, nan numeric,
          re real, dbl double precision, flag boolean, txt text, uid uuid, bin bytea, doc jsonb, js json,
          ints integer[], grid integer[], days date[], docs jsonb[], day date, tm time, ts timestamp, tstz timestamptz, span interval, back interval, spans interval[])
        """;

    private const string PostgresRow = """
        INSERT INTO vals VALUES (1, 9007199254740993, -32768, 12.5, 123456789012345678901234567890.000000000000000000000000000001, 'NaN',
          1.1, 0.1, true, 'tëxt "q" <b>', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '\x0102ff', '{"b": [1, 2.5], "a": null}', '{"z":1,  "a":[true]}',
          '{1,2,3}', '{{1,2},{3,4}}', '{2024-01-02,NULL}', ARRAY['{"k":1}'::jsonb], '2024-02-29', '12:34:56.789', '2024-01-02 03:04:05.5',
          '2024-01-02 03:04:05+02', '1 year 2 mons 3 days 04:05:06.5', '-1 days -00:00:00.25', '{"1 mon",NULL}')
        """;

    private const string PostgresExpected = """
        {"id":1,"big":9007199254740993,"small":-32768,"num":12.50,"huge":123456789012345678901234567890.000000000000000000000000000001,"nan":"NaN",
         "re":1.1,"dbl":0.1,"flag":true,"txt":"tëxt \"q\" <b>","uid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","bin":"AQL/","doc":{"a":null,"b":[1,2.5]},"js":{"z":1,"a":[true]},
         "ints":[1,2,3],"grid":[[1,2],[3,4]],"days":["2024-01-02",null],"docs":[{"k":1}],"day":"2024-02-29","tm":"12:34:56.789","ts":"2024-01-02T03:04:05.5Z",
         "tstz":"2024-01-02T01:04:05Z","span":"P1Y2M3DT4H5M6.5S","back":"P-1DT-0.25S","spans":["P1M",null]}
        """;

    // SQLite has no array, interval or exact numeric type: JSON columns hold arrays, the rest is stored as written.
    private const string SqliteTable = """
        CREATE TABLE vals (id INTEGER PRIMARY KEY, big BIGINT, small SMALLINT, num NUMERIC, re REAL, flag BOOLEAN, txt TEXT, uid UUID,
          bin BLOB, doc JSON, notjson JSON, ints JSON, day DATE, tm TIME, ts TIMESTAMP, stamp DATETIME, span INTERVAL)
        """;

    private const string SqliteRow = """
        INSERT INTO vals VALUES (1, 9007199254740993, -32768, 12.5, 1.1, 1, 'tëxt "q" <b>', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
          X'0102FF', '{"b": [1, 2.5], "a": null}', 'not json', '[1,2,3]', '2024-02-29', '12:34:56.789', '2024-01-02 03:04:05.5',
          '2024-01-02T03:04:05+02:00', 'P1D')
        """;

    private const string SqliteExpected = """
        {"id":1,"big":9007199254740993,"small":-32768,"num":12.5,"re":1.1,"flag":true,"txt":"tëxt \"q\" <b>","uid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
         "bin":"AQL/","doc":{"b":[1,2.5],"a":null},"notjson":"not json","ints":[1,2,3],"day":"2024-02-29","tm":"12:34:56.789","ts":"2024-01-02T03:04:05.5Z",
         "stamp":"2024-01-02T01:04:05Z","span":"P1D"}
        """;

    private static readonly JsonSerializerOptions Canonical = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_type_reads_the_same_through_rows_sql_and_export(string backend)
    {
        var postgres = backend == Backend.Postgres;
        var plugin = await FilledAsync(backend, postgres ? PostgresTable : SqliteTable, postgres ? PostgresRow : SqliteRow);
        var expected = Canon(JsonNode.Parse(postgres ? PostgresExpected : SqliteExpected));

        var select = await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.select", """{"table":"vals","id":1}""");
        var search = await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.search", """{"table":"vals","filters":{}}""");
        var sql = await AdminTestData.SucceedAsync(backend, $"db.sql.{plugin}.query", """{"query":"SELECT * FROM vals"}""");
        var export = await AdminTestData.SucceedAsync(backend, $"db.admin.export.{plugin}", "{}");

        Assert.AreEqual(expected, Canon(select["row"]), "rows select");
        Assert.AreEqual(expected, Canon(search["rows"][0]), "rows search");
        Assert.AreEqual(expected, Canon(sql["rows"][0]), "sql query");
        Assert.AreEqual(expected, Canon(export["tables"].GetProperty("vals")[0]), "export");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Integers_past_2_pow_53_keep_every_digit_as_json_numbers(string backend)
    {
        var plugin = await FilledAsync(backend, "CREATE TABLE n (id BIGINT PRIMARY KEY, v BIGINT)",
            "INSERT INTO n VALUES (9223372036854775807, -9223372036854775808)");

        var select = await AdminTestData.SucceedAsync(backend, $"db.row.{plugin}.select", """{"table":"n","ids":[9223372036854775807]}""");
        var sql = await AdminTestData.SucceedAsync(backend, $"db.sql.{plugin}.query", """{"query":"SELECT id, v, id - 1 AS below FROM n"}""");

        Assert.AreEqual("""[{"id":9223372036854775807,"v":-9223372036854775808}]""", select["rows"].GetRawText());
        Assert.AreEqual("""{"id":9223372036854775807,"v":-9223372036854775808,"below":9223372036854775806}""", sql["rows"][0].GetRawText());
    }

    [TestMethod]
    public async Task A_postgres_numeric_of_a_thousand_digits_and_infinity_come_back_exact()
    {
        var plugin = await FilledAsync(Backend.Postgres, "CREATE TABLE n (id integer PRIMARY KEY, v numeric)",
            "INSERT INTO n VALUES (1, repeat('9', 1000)::numeric), (2, '-0.000001'), (3, '-Infinity'), (4, 0)");

        var sql = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.sql.{plugin}.query", """{"query":"SELECT v FROM n ORDER BY id"}""");
        var rows = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.row.{plugin}.search", """{"table":"n"}""");

        var expected = $$"""[{"v":{{new string('9', 1000)}}},{"v":-0.000001},{"v":"-Infinity"},{"v":0}]""";
        Assert.AreEqual(expected, sql["rows"].GetRawText());
        Assert.AreEqual(expected, "[" + string.Join(",", rows["rows"].EnumerateArray().Select(r => $"{{\"v\":{r.GetProperty("v").GetRawText()}}}")) + "]");
    }

    [TestMethod]
    public async Task Postgres_builtin_types_read_as_text_domains_as_their_base_and_a_plugins_enum_asks_for_a_cast()
    {
        var plugin = await FilledAsync(Backend.Postgres,
            "CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE DOMAIN score AS integer CHECK (VALUE >= 0); CREATE TABLE o (id integer PRIMARY KEY, ip inet, r int4range, s score, m mood)",
            "INSERT INTO o VALUES (1, '192.168.0.1', '[1,5)', 7, 'happy')");

        var sql = await AdminTestData.SucceedAsync(Backend.Postgres, $"db.sql.{plugin}.query", """{"query":"SELECT ip, r, s, m::text AS m FROM o"}""");
        Assert.AreEqual("""{"ip":"192.168.0.1","r":"[1,5)","s":7,"m":"happy"}""", sql["rows"][0].GetRawText());

        var reply = await TestHosts.RequestAsync(Backend.Postgres, $"db.sql.{plugin}.query", """{"query":"SELECT m FROM o"}""");
        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
        StringAssert.Contains(reply.Body.GetProperty("error").GetProperty("message").GetString(), "Column 'm'");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_row_stops_at_the_value_that_passes_the_result_cap(string backend)
    {
        // Eight values of 200 KB: 1.6 MB as a row, past the 1 MiB reply cap after the sixth.
        var columns = string.Join(", ", Enumerable.Range(1, 8).Select(i => $"c{i} TEXT"));
        var big = backend == Backend.Postgres ? "repeat('x', 200000)" : "printf('%.*c', 200000, 'x')";
        var plugin = await FilledAsync(backend, $"CREATE TABLE wide (id INTEGER PRIMARY KEY, {columns})",
            $"INSERT INTO wide VALUES (1, {string.Join(", ", Enumerable.Repeat(big, 8))})");

        foreach (var (subject, body) in new[] { ("db.row", """{"table":"wide","id":1}"""), ("db.sql", """{"query":"SELECT * FROM wide"}""") })
        {
            var reply = await TestHosts.RequestAsync(backend, $"{subject}.{plugin}.{(subject == "db.row" ? "select" : "query")}", body);

            Assert.AreEqual("TOO_LARGE", reply.ErrorCode, reply.Body.ToString());
            var details = reply.Body.GetProperty("error").GetProperty("details");
            var actual = details.GetProperty("actual").GetInt64();
            Assert.IsGreaterThan(details.GetProperty("limit_bytes").GetInt64(), actual);
            Assert.IsLessThan(1_300_000L, actual, $"{subject}: stopped within the row, at the sixth value, not after all eight");
        }
    }

    private static async Task<PluginId> FilledAsync(string backend, string create, string insert)
    {
        var plugin = TestPlugins.New("val");
        var migration = new JsonObject { ["action"] = "apply", ["migrations"] = new JsonArray(new JsonObject { ["version"] = "001", ["up"] = create }) };
        await AdminTestData.SucceedAsync(backend, $"db.migrate.{plugin}", migration.ToJsonString());
        var write = new JsonObject { ["query"] = insert, ["allow_write"] = true };
        await AdminTestData.SucceedAsync(backend, $"db.sql.{plugin}.query", write.ToJsonString());
        return plugin;
    }

    // Same escaping and whitespace for every reply, so only the values are compared (numbers as their digits).
    private static string Canon(JsonElement element) => Canon(JsonNode.Parse(element.GetRawText()));

    private static string Canon(JsonNode? node) => node?.ToJsonString(Canonical) ?? "null";
}
