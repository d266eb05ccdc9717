using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlInjectionTests
{
    private static readonly string[] Seeds =
    [
        "' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"", "'; DROP TABLE items; --", "1; DELETE FROM items", "' UNION SELECT name FROM items --",
        "admin'--", "' OR 'x'='x'/*", "*/ OR 1=1 /*", "') OR ('1'='1", "1' AND SLEEP(5)#", "'; SELECT pg_sleep(10); --",
        "$$; DROP TABLE items; $$", "$tag$ OR 1=1 $tag$", ":name", "::text", "@p1", "$1", "?", "?1", "\\'; DROP TABLE items; --",
        "E'\\x27'", "%' OR '%'='", "_", "%", "\0", "'\0'", "\u2019 OR 1=1", "ʼ OR ʼ1ʼ=ʼ1", "'||(SELECT name FROM items LIMIT 1)||'",
        "' AND 1=CAST((SELECT name FROM items LIMIT 1) AS int) --", "1 OR 1=1", "-1 UNION ALL SELECT NULL", "'; ATTACH DATABASE '/tmp/x' AS x; --",
        "'; PRAGMA writable_schema=1; --", "'; COPY items TO '/tmp/x'; --", "'); INSERT INTO items VALUES (99, 'pwn'); --",
        "' || load_extension('x') || '", "' || pg_read_file('/etc/passwd') || '", "\r\nDROP TABLE items", "-- comment", "/* comment */",
        "[sqlite_master]", "`items`", "\"items\"", "'", "''", "'''", "\"", "\\", "\\\\'", ";", ";;", "NULL", "null", "true", "0x41", "1e309",
        "SELECT * FROM items", "{\"$gt\":\"\"}", "<script>alert(1)</script>", "${jndi:ldap://x}", "%00", "' --", "'/*", "\u0000' OR 1=1",
    ];

    // The seeds, then each wrapped in the usual breakout prefixes and suffixes.
    private static IEnumerable<string> Payloads() =>
        Seeds.Concat(Seeds.Take(15).SelectMany(s => new[] { "x" + s, s + "'--", "')" + s, "\";" + s })).Distinct();

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Injection_payloads_as_parameter_values_are_inert(string backend)
    {
        var plugin = TestPlugins.New();
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var payloads = Payloads().Where(p => backend != Backend.Postgres || !p.Contains('\0', StringComparison.Ordinal)).ToList();
        Assert.IsGreaterThanOrEqualTo(100, payloads.Count);
        foreach (var payload in payloads)
        {
            var reply = await SqlTestSchema.RunAsync(backend, plugin,
                $$"""{"query":"SELECT :v AS v, (SELECT count(*) FROM items WHERE name = :v OR CAST(id AS text) = :v) AS matches","params":{"v":{{SqlTestSchema.Quote(payload)}} } }""");
            Assert.AreEqual(payload, reply.Rows[0].GetProperty("v").GetString(), payload);
            Assert.AreEqual(0, reply.Rows[0].GetProperty("matches").GetInt32(), payload);
        }
        foreach (var (payload, index) in payloads.Take(15).Select((p, i) => (p, i)))
        {
            await SqlTestSchema.RunAsync(backend, plugin,
                $$"""{"query":"INSERT INTO items (id, name) VALUES (:id, :name)","params":{"id":{{100 + index}},"name":{{SqlTestSchema.Quote(payload)}} },"allow_write":true}""");
            var back = await SqlTestSchema.RunAsync(backend, plugin, $$"""{"query":"SELECT name FROM items WHERE id = :id","params":{"id":{{100 + index}} } }""");
            Assert.AreEqual(payload, back.Rows[0].GetProperty("name").GetString());
        }
        var count = await SqlTestSchema.QueryAsync(backend, plugin, "SELECT count(*) AS n FROM items");
        Assert.AreEqual("""[{"n":18}]""", count.Rows.GetRawText());
    }
}
