using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Tests.Infrastructure;
using Storage.Tests.Rows;
using Storage.Tests.Sql;

namespace Storage.Tests.Limits;

/// <summary>
/// The memory measurement on the real host process: four 300 MB values asked for at once
/// (SQL query, and a row search over a row holding such a value where the backend can store one)
/// are TOO_LARGE, and the host's RSS stays under 600 MiB above where it started.
/// </summary>
[TestClass]
public sealed class HostMemoryTests
{
    private const long Budget = 600L * 1024 * 1024;

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Four_300_mb_values_at_once_are_too_large_and_leave_rss_bounded(string backend)
    {
        using var nats = await NatsServer.StartAsync();
        await using var client = new NatsConnection(NatsOpts.Default with { Url = nats.Url, RequestTimeout = TimeSpan.FromSeconds(120) });
        await client.ConnectAsync();
        using var host = await HostProcess.StartAsync(TestHosts.Arguments(backend, nats.Url));
        var plugin = TestPlugins.New();
        var postgres = backend == Backend.Postgres;
        // A row holding a 300 MB value: PostgreSQL stores it compressed. SQLite cannot build or hold one
        // past Storage:Sqlite:MaxValueBytes (8 MiB), so there the row holds the largest it can: a
        // virtual column just under that limit, computed while reading.
        await RowTestSchema.RunAsync(backend, plugin, postgres
            ? "CREATE TABLE big (id bigserial PRIMARY KEY, body text)"
            : "CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER, body TEXT GENERATED ALWAYS AS (printf('%.*c', 8000000, 'x')) VIRTUAL)");
        await SqlTestSchema.ExecuteAsync(backend, plugin, postgres ? "INSERT INTO big (body) VALUES (repeat(repeat('x', 1000000), 300))" : "INSERT INTO big (n) VALUES (1)");

        string[] queries = postgres
            // repeat('x', 300000000) takes PostgreSQL 20-30 s here (a copy per character); this is the same value, fast.
            ? ["SELECT repeat('x', 300000000) AS v", "SELECT repeat(repeat('x', 1000000), 300) AS v"]
            : ["SELECT randomblob(300000000) AS v", "SELECT printf('%.*c', 300000000, 'x') AS v", "SELECT zeroblob(300000000) AS v"];
        var requests = new List<(string Subject, string Body)>();
        foreach (var query in queries)
            requests.Add(($"db.sql.{plugin}.query", $$"""{"query":"{{query}}","timeout_ms":30000}"""));
        requests.Add(($"db.row.{plugin}.search", """{"table":"big"}"""));
        requests.Add(($"db.row.{plugin}.select", """{"table":"big","id":1}"""));

        var start = Rss(host.Id);
        var peak = start;
        foreach (var (subject, body) in requests)
        {
            // PostgreSQL may itself need longer than the request deadline to build and send 300 MB four
            // times at once (the rest of a value it started sending must be drained): TIMEOUT is as good.
            string[] allowed = postgres ? ["TOO_LARGE", "TIMEOUT"] : ["TOO_LARGE"];
            var clock = Stopwatch.StartNew();
            CollectionAssert.Contains(allowed, Code(await RequestAsync(client, subject, body)));
            Console.WriteLine($"{backend} {subject} {body}: 1 x TOO_LARGE in {clock.ElapsedMilliseconds} ms");
            clock.Restart();
            var batch = Enumerable.Range(0, 4).Select(_ => RequestAsync(client, subject, body)).ToList();
            while (!batch.All(t => t.IsCompleted))
            {
                peak = Math.Max(peak, Rss(host.Id));
                await Task.WhenAny(Task.WhenAll(batch), Task.Delay(20));
            }
            foreach (var reply in await Task.WhenAll(batch))
                CollectionAssert.Contains(allowed, Code(reply), $"{subject} {body}: {reply}");
            Console.WriteLine($"{backend} {subject} {body}: 4 x TOO_LARGE in {clock.ElapsedMilliseconds} ms");
        }
        var end = Rss(host.Id);
        Console.WriteLine($"{backend}: RSS start {start / 1048576} MiB, peak {peak / 1048576} MiB, end {end / 1048576} MiB");
        Assert.IsLessThan(start + Budget, end, "RSS after the requests");
        Assert.IsLessThan(start + Budget, peak, "RSS while they ran");
    }

    private static async Task<string> RequestAsync(NatsConnection client, string subject, string body)
    {
        var msg = await client.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(body));
        return Encoding.UTF8.GetString(msg.Data ?? []);
    }

    private static string? Code(string reply)
    {
        using var document = JsonDocument.Parse(reply);
        return document.RootElement.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
    }

    // VmRSS from /proc/<pid>/status, in bytes.
    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
