using System.Collections.Concurrent;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Reliability;

/// <summary>10,000 generated hostile requests: each gets a contract answer, the host stays up and its memory flat.</summary>
[TestClass]
public sealed class HostileInputTests
{
    private const int Count = 10_000;
    private const int WarmUp = 2_000;
    private const int TierCount = 3_000;
    private static readonly HashSet<string> ContractCodes = ["INVALID_JSON", "INVALID_REQUEST", "TOO_LARGE", "CONFLICT", "NOT_FOUND"];

    // The SQL tier may also refuse a statement or throttle the plugin; both are contract answers.
    private static readonly HashSet<string> TierCodes = [.. ContractCodes, "FORBIDDEN", "RATE_LIMITED"];

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_hostile_request_gets_a_contract_answer_and_memory_stays_flat(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend);
        var plugin = TestPlugins.New().Value;
        var requests = HostileRequests.Generate(seed: backend.Length * 7919, Count, plugin, HostileRequests.KvOperations).ToList();
        var problems = new ConcurrentQueue<string>();
        var codes = new ConcurrentDictionary<string, int>();

        await SendAsync(host.Client, requests.Take(WarmUp), ContractCodes, problems, codes);
        var before = Memory();
        await SendAsync(host.Client, requests.Skip(WarmUp), ContractCodes, problems, codes);
        var after = Memory();

        Assert.IsEmpty(problems, string.Join("\n", problems.Take(10)));
        Assert.AreEqual(Count, codes.Values.Sum());
        Assert.IsTrue(codes.ContainsKey("INVALID_JSON") && codes.ContainsKey("INVALID_REQUEST") && codes.ContainsKey("TOO_LARGE") && codes.ContainsKey("ok"),
            "The generator did not cover the main answers: " + string.Join(", ", codes));
        Assert.IsLessThan(64L * 1024 * 1024, after - before, $"Managed memory grew from {before} to {after} bytes over {Count - WarmUp} requests.");
        var alive = await host.RequestAsync($"db.kv.{plugin}.set", """{"key":"after","value":"still here"}""");
        Assert.IsFalse(alive.IsError, alive.Body.ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Every_hostile_request_to_the_row_sql_migrate_and_admin_subjects_gets_a_contract_answer(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend);
        var plugin = TestPlugins.New().Value;
        var migrated = await host.RequestAsync($"db.migrate.{plugin}", HostileRequests.Migration);
        Assert.IsFalse(migrated.IsError, migrated.Body.ToString());
        string[] operations = [.. HostileRequests.RowOperations, .. HostileRequests.SqlOperations, .. HostileRequests.MigrateOperations, .. HostileRequests.AdminOperations];
        var requests = HostileRequests.Generate(seed: backend.Length * 104_729, TierCount, plugin, operations).ToList();
        var problems = new ConcurrentQueue<string>();
        var codes = new ConcurrentDictionary<string, int>();

        await SendAsync(host.Client, requests, TierCodes, problems, codes);

        Assert.IsEmpty(problems, string.Join("\n", problems.Take(10)));
        Assert.AreEqual(TierCount, codes.Values.Sum());
        Assert.IsTrue(codes.ContainsKey("INVALID_JSON") && codes.ContainsKey("INVALID_REQUEST") && codes.ContainsKey("ok"),
            "The generator did not cover the main answers: " + string.Join(", ", codes));
        var alive = await host.RequestAsync($"db.row.{plugin}.insert", """{"table":"h","data":{"id":100000,"name":"still here"}}""");
        Assert.IsFalse(alive.IsError, alive.Body.ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_value_with_an_escaped_unpaired_surrogate_is_refused_so_the_key_stays_readable(string backend)
    {
        var plugin = TestPlugins.New().Value;
        var set = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", """{"key":"k","value":{"a":["ok","\ud800"]}}""");
        Assert.AreEqual("INVALID_REQUEST", set.ErrorCode, set.Body.ToString());
        Assert.AreEqual("value", set.Body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        var pair = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", """{"key":"k","value":"\ud83d\ude00"}""");
        Assert.IsFalse(pair.IsError, pair.Body.ToString());
        Assert.AreEqual("\ud83d\ude00", (await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", """{"key":"k"}"""))["value"].GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_row_value_with_an_escaped_unpaired_surrogate_is_refused_naming_the_field(string backend)
    {
        var plugin = TestPlugins.New().Value;
        var migrated = await TestHosts.RequestAsync(backend, $"db.migrate.{plugin}", HostileRequests.Migration);
        Assert.IsFalse(migrated.IsError, migrated.Body.ToString());
        var insert = await TestHosts.RequestAsync(backend, $"db.row.{plugin}.insert", """{"table":"h","data":{"id":1,"name":"\udfff\ud800"}}""");
        Assert.AreEqual("INVALID_REQUEST", insert.ErrorCode, insert.Body.ToString());
        Assert.AreEqual("data.name", insert.Body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
    }

    private static async Task SendAsync(NatsConnection client, IEnumerable<(string Subject, byte[] Body)> requests, HashSet<string> accepted,
        ConcurrentQueue<string> problems, ConcurrentDictionary<string, int> codes)
    {
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (request, ct) =>
        {
            try
            {
                var reply = await client.RequestAsync<byte[], byte[]>(request.Subject, request.Body, cancellationToken: ct);
                var outcome = Classify(reply.Data);
                codes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                if (outcome != "ok" && !accepted.Contains(outcome))
                    problems.Enqueue($"{request.Subject} [{request.Body.Length} bytes]: {outcome} for {System.Text.Encoding.UTF8.GetString(request.Body[..Math.Min(200, request.Body.Length)])}");
            }
            catch (NatsException ex)
            {
                problems.Enqueue($"{request.Subject} [{request.Body.Length} bytes]: no answer ({ex.GetType().Name}: {ex.Message})");
            }
        });
    }

    private static string Classify(byte[]? data)
    {
        try
        {
            using var document = JsonDocument.Parse(data ?? []);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return "reply is not a JSON object";
            return root.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() ?? "null code" : "ok";
        }
        catch (JsonException)
        {
            return "reply is not JSON";
        }
    }

    private static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
