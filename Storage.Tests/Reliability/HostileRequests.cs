using System.Text;

namespace Storage.Tests.Reliability;

/// <summary>
/// Generates malformed and hostile request bodies from a seed: random bytes, deep nesting, huge
/// numbers, wrong types, unicode edge cases (lone surrogates, NUL, invalid UTF-8, BOM), oversized
/// payloads, and now and then a valid request so success paths are mixed in.
/// </summary>
internal static class HostileRequests
{
    /// <summary>The KV subjects; pass any combination of the lists to <see cref="Generate"/>.</summary>
    public static readonly string[] KvOperations = ["kv.{plugin}.set", "kv.{plugin}.get", "kv.{plugin}.delete", "kv.{plugin}.list", "kv.{plugin}.incr"];

    /// <summary>The row subjects; valid bodies use the table <see cref="Table"/> that <see cref="MigrateOperations"/> creates.</summary>
    public static readonly string[] RowOperations = ["row.{plugin}.insert", "row.{plugin}.select", "row.{plugin}.search", "row.{plugin}.update", "row.{plugin}.delete"];

    /// <summary>The SQL subjects.</summary>
    public static readonly string[] SqlOperations = ["sql.{plugin}.query", "sql.{plugin}.stats"];

    /// <summary>The migration subject; its valid bodies apply the one migration creating <see cref="Table"/> (again) or ask for the status.</summary>
    public static readonly string[] MigrateOperations = ["migrate.{plugin}"];

    /// <summary>The admin subjects (the plugin is the fourth token; <c>plugins</c> names none). A valid purge is never generated.</summary>
    public static readonly string[] AdminOperations =
        ["admin.plugins", "admin.storage.{plugin}", "admin.kv.{plugin}", "admin.migrations.{plugin}", "admin.purge.{plugin}", "admin.export.{plugin}"];

    /// <summary>The migration that creates the table valid row requests use.</summary>
    public const string Migration = """{"action":"apply","migrations":[{"version":"001","up":"CREATE TABLE h (id INTEGER PRIMARY KEY, name TEXT)"}]}""";

    private const string Table = "h";

    private static readonly string[] Fields =
    [
        "key", "value", "ttl", "if_absent", "if_revision", "prefix", "limit", "after", "by", "request_id",
        "table", "data", "id", "ids", "filters", "sort", "operations", "query", "params", "allow_write", "action", "migrations", "confirm",
    ];

    private static readonly string[] Scalars =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "1.5", "1e999999", "-1e999999", "123456789012345678901234567890",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e-999", "0.1e1", "2147483648",
        "\"\"", "\"k\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\ud83d\\ude00\"", "\"\u202e\u0645\"", "\"\\\\\"",
        "[]", "{}", "[1,2]", "{\"a\":1}", "\"" + new string('x', 300) + "\"", "\"" + string.Concat(Enumerable.Repeat("\ud83d\ude00", 256)) + "\"",
    ];

    /// <summary>
    /// <paramref name="operations"/> are subject templates after <c>db.</c> with <c>{plugin}</c> where the
    /// plugin token goes (<c>kv.{plugin}.set</c> becomes <c>db.kv.&lt;plugin&gt;.set</c>); a template
    /// without it is used as it is (<c>admin.plugins</c>).
    /// </summary>
    public static IEnumerable<(string Subject, byte[] Body)> Generate(int seed, int count, string plugin, IReadOnlyList<string> operations)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var operation = operations[random.Next(operations.Count)];
            // Mostly the test's plugin; sometimes a token that is not a valid plugin id.
            var token = random.Next(20) == 0 ? BadToken(random) : plugin;
            var subject = "db." + operation.Replace("{plugin}", token, StringComparison.Ordinal);
            yield return (subject, Body(random, operation.Replace(".{plugin}", "", StringComparison.Ordinal)));
        }
    }

    private static string BadToken(Random random) => random.Next(4) switch
    {
        0 => "UPPER",
        1 => "9starts-with-digit",
        2 => new string('a', 64),
        _ => "caf\u00e9",
    };

    private static byte[] Body(Random random, string op) => random.Next(10) switch
    {
        0 => RandomBytes(random, random.Next(0, 256)),
        1 => Deep(random),
        2 => Encoding.UTF8.GetBytes(RandomObject(random)),
        3 => InvalidUtf8(random),
        // Oversized bodies are few: they cost transfer time, not coverage.
        4 => random.Next(5) == 0 ? Oversized(random) : Encoding.UTF8.GetBytes(Valid(random, op)),
        5 => Encoding.UTF8.GetBytes(Valid(random, op)),
        6 => Encoding.UTF8.GetBytes("\uFEFF" + Valid(random, op)),
        7 => Encoding.UTF8.GetBytes(Truncate(random, Valid(random, op))),
        8 => Encoding.UTF8.GetBytes(Scalars[random.Next(Scalars.Length)]),
        _ => Encoding.UTF8.GetBytes(RandomObject(random)),
    };

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Deep(Random random)
    {
        var depth = random.Next(65, 20_000);
        return random.Next(2) == 0
            ? Encoding.UTF8.GetBytes("{\"key\":\"k\",\"value\":" + new string('[', depth) + new string(']', depth) + "}")
            : Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));
    }

    private static string RandomObject(Random random)
    {
        var fields = Enumerable.Range(0, random.Next(0, 6))
            .Select(_ => $"\"{Fields[random.Next(Fields.Length)]}\":{Scalars[random.Next(Scalars.Length)]}");
        return "{" + string.Join(",", fields) + "}";
    }

    private static byte[] InvalidUtf8(Random random)
    {
        byte[][] bad = [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]];
        var prefix = "{\"key\":\""u8.ToArray();
        var suffix = "\",\"value\":1}"u8.ToArray();
        return [.. prefix, .. bad[random.Next(bad.Length)], .. suffix];
    }

    private static byte[] Oversized(Random random)
    {
        // Over the 64 KiB value limit, up to just under NATS's default 1 MiB payload.
        var size = random.Next(64 * 1024, random.Next(10) == 0 ? 900 * 1024 : 128 * 1024);
        return Encoding.UTF8.GetBytes("{\"key\":\"big\",\"value\":\"" + new string('v', size) + "\"}");
    }

    private static string Valid(Random random, string operation) => operation switch
    {
        "kv.set" => $"{{\"key\":\"k{random.Next(50)}\",\"value\":{Scalars[random.Next(Scalars.Length)]}}}",
        "kv.incr" => $"{{\"key\":\"n{random.Next(5)}\",\"by\":{random.Next(-3, 4)}}}",
        "kv.list" => $"{{\"prefix\":\"k\",\"limit\":{random.Next(1, 20)}}}",
        "kv.get" or "kv.delete" => $"{{\"key\":\"k{random.Next(50)}\"}}",
        "row.insert" => $"{{\"table\":\"{Table}\",\"data\":{{\"id\":{random.Next(1000)},\"name\":{Scalars[random.Next(Scalars.Length)]}}}}}",
        "row.select" or "row.delete" => $"{{\"table\":\"{Table}\",\"id\":{random.Next(1000)}}}",
        "row.search" => $"{{\"table\":\"{Table}\",\"limit\":{random.Next(1, 20)}}}",
        "row.update" => $"{{\"table\":\"{Table}\",\"id\":{random.Next(1000)},\"data\":{{\"name\":{Scalars[random.Next(Scalars.Length)]}}}}}",
        "sql.query" => $"{{\"query\":\"SELECT count(*) AS n FROM {Table} WHERE id > @min\",\"params\":{{\"min\":{random.Next(1000)}}}}}",
        "migrate" => random.Next(2) == 0 ? Migration : """{"action":"status"}""",
        "admin.kv" => $"{{\"prefix\":\"k\",\"limit\":{random.Next(1, 20)}}}",
        "admin.purge" => """{"confirm":"not-this-plugin"}""",
        _ => RandomObject(random),
    };

    private static string Truncate(Random random, string json) => json[..random.Next(json.Length)];
}
