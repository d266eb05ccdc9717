using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using NATS.Client.Core;
using Storage.Bench.Infrastructure;

namespace Storage.Bench;

/// <summary>
/// <c>--two-hosts N</c>: what keeping two hosts' caches coherent costs, on PostgreSQL. N plugins, one
/// after the other, each through a flow where host A changes what host B has cached (a column added,
/// a purge, a re-creation) and B is asked right after. Run first with A alone (both roles answered by
/// it), then with B on its own nats-server, so every request reaches the host the flow names. Reports
/// each step's latency for one and two hosts and every answer that showed a stale cache.
/// </summary>
internal static class TwoHosts
{
    private const string CreateItems = """{"version":"001","up":"CREATE TABLE items (id INT PRIMARY KEY, name TEXT)"}""";
    private const string AddNote = """{"version":"002","up":"ALTER TABLE items ADD COLUMN note TEXT","down":"ALTER TABLE items DROP COLUMN note"}""";

    private sealed record Step(string Name, bool ThroughA, Func<string, string> Subject, Func<string, string> Body, Func<JsonElement, bool> Expected);

    private static readonly Step[] Flow =
    [
        new("create", true, p => $"db.migrate.{p}", _ => $$"""{"action":"apply","migrations":[{{CreateItems}}]}""", Ok),
        new("insert (B caches the catalog)", false, p => $"db.row.{p}.insert", _ => """{"table":"items","data":{"id":1,"name":"one"}}""", Ok),
        new("add a column", true, p => $"db.migrate.{p}", _ => $$"""{"action":"apply","migrations":[{{CreateItems}},{{AddNote}}]}""", Ok),
        new("insert into the new column", false, p => $"db.row.{p}.insert", _ => """{"table":"items","data":{"id":2,"note":"new"}}""", Ok),
        new("kv set", false, p => $"db.kv.{p}.set", _ => """{"key":"k","value":"v"}""", Ok),
        new("purge", true, p => $"db.admin.purge.{p}", p => $$"""{"confirm":"{{p}}"}""", r => r.TryGetProperty("purged", out var v) && v.GetBoolean()),
        new("kv get after the purge", false, p => $"db.kv.{p}.get", _ => """{"key":"k"}""", r => r.TryGetProperty("exists", out var v) && !v.GetBoolean()),
        new("select after the purge", false, p => $"db.row.{p}.select", _ => """{"table":"items","id":1}""", r => Code(r) == "NOT_FOUND"),
        new("re-create", false, p => $"db.migrate.{p}", _ => $$"""{"action":"apply","migrations":[{{CreateItems}}]}""", Ok),
        new("insert after the re-creation", true, p => $"db.row.{p}.insert", _ => """{"table":"items","data":{"id":10,"name":"again"}}""", Ok),
    ];

    public static async Task<string> RunAsync(BenchContext context, int plugins, CancellationToken cancellationToken)
    {
        await using var hostA = await ServiceHost.StartAsync(context, "postgres", cancellationToken);
        await using var a = await ConnectAsync(context.NatsUrl);
        var one = await RunPhaseAsync(a, a, "one", plugins, cancellationToken);

        using var natsB = await BenchNatsServer.StartAsync();
        await using var hostB = await ServiceHost.StartAsync(context with { NatsUrl = natsB.Url }, "postgres", cancellationToken);
        await using var b = await ConnectAsync(natsB.Url);
        var two = await RunPhaseAsync(a, b, "two", plugins, cancellationToken);

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"two hosts postgres: {plugins} plugins one after the other; A changes, B answers right after (B on its own nats-server)");
        report.AppendLine();
        report.AppendLine("| step | through | p50 ms one host | p99 ms one host | p50 ms two hosts | p99 ms two hosts | unexpected answers (one / two hosts) |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < Flow.Length; i++)
        {
            report.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {Flow[i].Name} | {(Flow[i].ThroughA ? "A" : "B")} | {one.P50(i):F2} | {one.P99(i):F2} | {two.P50(i):F2} | {two.P99(i):F2} | {one.Unexpected[i]} / {two.Unexpected[i]} |"));
        }
        if ((one.FirstUnexpected ?? two.FirstUnexpected) is { } first)
            report.AppendLine().AppendLine("first unexpected answer: " + first);
        return report.ToString().TrimEnd();
    }

    private sealed class Phase(int steps)
    {
        public LongHistogram[] Latency { get; } = Enumerable.Range(0, steps).Select(_ => new LongHistogram(TimeSpan.FromMinutes(1).Ticks / 10, 3)).ToArray();

        public int[] Unexpected { get; } = new int[steps];

        public string? FirstUnexpected { get; set; }

        public double P50(int step) => Latency[step].GetValueAtPercentile(50) / 1000.0;

        public double P99(int step) => Latency[step].GetValueAtPercentile(99) / 1000.0;
    }

    private static async Task<Phase> RunPhaseAsync(NatsConnection a, NatsConnection b, string name, int plugins, CancellationToken cancellationToken)
    {
        var phase = new Phase(Flow.Length);
        for (var p = 0; p < plugins; p++)
        {
            var plugin = $"hosts-{name}-{p.ToString("D4", CultureInfo.InvariantCulture)}";
            for (var i = 0; i < Flow.Length; i++)
            {
                var step = Flow[i];
                var started = Stopwatch.GetTimestamp();
                var reply = await (step.ThroughA ? a : b).RequestAsync<byte[], byte[]>(step.Subject(plugin), Encoding.UTF8.GetBytes(step.Body(plugin)), cancellationToken: cancellationToken);
                phase.Latency[i].RecordValue((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                using var json = JsonDocument.Parse(reply.Data ?? "{}"u8.ToArray());
                if (!step.Expected(json.RootElement))
                {
                    phase.Unexpected[i]++;
                    phase.FirstUnexpected ??= $"{name} host(s), {plugin}, {step.Name}: {json.RootElement.GetRawText()}";
                }
            }
        }
        Console.Error.WriteLine($"two hosts: {name} host(s) done");
        return phase;
    }

    private static async Task<NatsConnection> ConnectAsync(string url)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = url, RequestTimeout = TimeSpan.FromSeconds(30) });
        await connection.ConnectAsync();
        return connection;
    }

    private static bool Ok(JsonElement reply) => Code(reply) is null;

    private static string? Code(JsonElement reply) =>
        reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) ? code.GetString() : null;
}
