using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using Storage.Host;
using Storage.Host.Nats;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// CONTRACT "Unknown operations": a request to <c>db.&lt;tier&gt;.&lt;plugin&gt;.&lt;op&gt;</c> whose op the
/// tier lacks is answered INVALID_REQUEST listing the valid operations, once, even with several
/// hosts in one queue group, and is counted like any other request.
/// </summary>
[TestClass]
public sealed class UnknownOperationTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite, "kv", "gett", "get", "set,get,delete,list,incr")]
    [DataRow(Backend.Postgres, "kv", "gett", "get", "set,get,delete,list,incr")]
    [DataRow(Backend.Sqlite, "row", "selct", "select", "insert,select,search,update,delete,describe")]
    [DataRow(Backend.Postgres, "row", "selct", "select", "insert,select,search,update,delete,describe")]
    [DataRow(Backend.Sqlite, "sql", "qurey", "query", "query,stats")]
    [DataRow(Backend.Postgres, "sql", "qurey", "query", "query,stats")]
    public async Task A_typoed_operation_is_invalid_request_listing_the_valid_operations_and_the_likely_one(
        string backend, string tier, string typo, string meant, string operations)
    {
        var plugin = TestPlugins.New().Value;

        var reply = await TestHosts.RequestAsync(backend, $"db.{tier}.{plugin}.{typo}", "{}");

        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
        Assert.AreEqual("400", reply.Headers?["Nats-Service-Error-Code"].ToString());
        var details = reply.Body.GetProperty("error").GetProperty("details");
        Assert.AreEqual(operations, string.Join(',', details.GetProperty("operations").EnumerateArray().Select(o => o.GetString())));
        Assert.AreEqual(typo, details.GetProperty("operation").GetString());
        Assert.AreEqual(meant, details.GetProperty("suggestion").GetString());
        StringAssert.Contains(reply.ErrorMessage, $"Did you mean '{meant}'?");
        StringAssert.Contains(reply.ErrorMessage, operations.Replace(",", ", ", StringComparison.Ordinal));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Extra_subject_tokens_or_an_unrelated_word_are_unknown_without_a_suggestion(string backend)
    {
        var plugin = TestPlugins.New().Value;
        foreach (var (subject, operation) in new[] { ($"db.kv.{plugin}.get.extra", "get.extra"), ($"db.row.{plugin}.frobnicate", "frobnicate") })
        {
            var reply = await TestHosts.RequestAsync(backend, subject, """{"key":"k"}""");
            Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
            var details = reply.Body.GetProperty("error").GetProperty("details");
            Assert.AreEqual(operation, details.GetProperty("operation").GetString());
            Assert.IsFalse(details.TryGetProperty("suggestion", out _), details.ToString());
            Assert.IsGreaterThan(0, details.GetProperty("operations").GetArrayLength());
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_unknown_migration_action_lists_the_actions(string backend)
    {
        var reply = await TestHosts.RequestAsync(backend, $"db.migrate.{TestPlugins.New()}", """{"action":"aply"}""");

        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
        var details = reply.Body.GetProperty("error").GetProperty("details");
        Assert.AreEqual("action", details.GetProperty("field").GetString());
        Assert.AreEqual("apply,rollback,status", string.Join(',', details.GetProperty("operations").EnumerateArray().Select(o => o.GetString())));
        Assert.AreEqual("apply", details.GetProperty("suggestion").GetString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_bad_plugin_token_is_reported_before_the_operation(string backend)
    {
        var reply = await TestHosts.RequestAsync(backend, "db.kv.Bad!Plugin.gett", "{}");

        Assert.AreEqual("INVALID_REQUEST", reply.ErrorCode, reply.Body.ToString());
        Assert.IsFalse(reply.Body.GetProperty("error").GetProperty("details").TryGetProperty("operations", out _), reply.Body.ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Unknown_operations_count_against_the_plugins_tier_rate_limit(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend, ["--RateLimits:Kv:PermitsPerSecond=1", "--RateLimits:Kv:Burst=3"]);
        var plugin = TestPlugins.New().Value;
        var codes = new List<string?>();
        for (var i = 0; i < 50 && codes.LastOrDefault() != "RATE_LIMITED"; i++)
            codes.Add((await host.RequestAsync($"db.kv.{plugin}.gett", "{}")).ErrorCode);

        Assert.AreEqual("RATE_LIMITED", codes[^1], string.Join(", ", codes));
        Assert.IsGreaterThanOrEqualTo(3, codes.Count(c => c == "INVALID_REQUEST"), string.Join(", ", codes));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Many_made_up_operation_names_leave_one_statistics_entry_and_one_metric_tag_value(string backend)
    {
        using var recorder = new MeasurementRecorder();
        await using var host = await DedicatedHost.StartAsync(backend);
        var plugin = TestPlugins.New().Value;
        var names = Enumerable.Range(0, 25).Select(i => $"op{i}-{Guid.NewGuid():N}").ToList();
        foreach (var name in names)
            Assert.AreEqual("INVALID_REQUEST", (await host.RequestAsync($"db.kv.{plugin}.{name}", "{}")).ErrorCode);

        Assert.AreEqual(names.Count, await recorder.WaitForSumAsync(names.Count, "storage.request.errors",
            ("tier", "kv"), ("operation", TierRoutes.UnknownOperation), ("plugin", plugin), ("code", "INVALID_REQUEST")));
        Assert.IsFalse(recorder.Measurements.Any(m => m.Tags.Values.Any(v => names.Any(n => v.Contains(n, StringComparison.Ordinal)))),
            "A made-up operation name became a metric tag.");
        var kv = (await ServiceStats.EndpointAsync(host.Client, "kv", hosts: 1,
            s => ServiceStats.OperationRequests(s[0], TierRoutes.UnknownOperation) == names.Count)).Single();
        Assert.AreEqual(names.Count, ServiceStats.OperationRequests(kv, TierRoutes.UnknownOperation));
        CollectionAssert.AreEqual(new[] { TierRoutes.UnknownOperation },
            kv.GetProperty("data").GetProperty("operations").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Two_hosts_in_one_queue_group_answer_every_request_once_and_count_it_per_operation(string backend)
    {
        const int Each = 20;
        using var nats = await NatsServer.StartAsync();
        using var first = StorageHostBuilder.Create(TestHosts.Arguments(backend, nats.Url)).Build();
        using var second = StorageHostBuilder.Create(TestHosts.Arguments(backend, nats.Url)).Build();
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        try
        {
            await using var client = new NatsConnection(NatsOpts.Default with { Url = nats.Url });
            await client.ConnectAsync();
            var plugin = TestPlugins.New().Value;
            var inbox = $"test-replies.{Guid.NewGuid():N}";
            await using var replies = await client.SubscribeCoreAsync<byte[]>(inbox);
            string[] subjects = [$"db.kv.{plugin}.set", $"db.kv.{plugin}.gett", $"db.row.{plugin}.selct", $"db.sql.{plugin}.qurey"];
            for (var i = 0; i < Each; i++)
            {
                foreach (var subject in subjects)
                    await client.PublishAsync(subject, Encoding.UTF8.GetBytes($$"""{"key":"k{{i}}","value":{{i}}}"""), replyTo: inbox);
            }

            var errors = new List<string?>();
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (errors.Count < Each * subjects.Length)
                {
                    var msg = await replies.Msgs.ReadAsync(wait.Token);
                    var body = JsonDocument.Parse(msg.Data!).RootElement;
                    errors.Add(body.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null);
                }
            }
            Assert.AreEqual(Each, errors.Count(e => e is null), string.Join(", ", errors));
            Assert.AreEqual(3 * Each, errors.Count(e => e == "INVALID_REQUEST"), string.Join(", ", errors));

            // Each host records a request just after replying on the same connection as its STATS
            // reply, so once the figures are complete every reply either host sent has arrived.
            var kv = await ServiceStats.EndpointAsync(client, "kv", hosts: 2,
                s => s.Sum(e => ServiceStats.OperationRequests(e, "set")) == Each && s.Sum(e => ServiceStats.OperationRequests(e, "(unknown)")) == Each);
            var row = await ServiceStats.EndpointAsync(client, "row", hosts: 2, s => s.Sum(e => ServiceStats.OperationRequests(e, "(unknown)")) == Each);
            var sql = await ServiceStats.EndpointAsync(client, "sql", hosts: 2, s => s.Sum(e => ServiceStats.OperationRequests(e, "(unknown)")) == Each);
            Assert.IsFalse(replies.Msgs.TryRead(out var extra), $"A request was answered twice: {Encoding.UTF8.GetString(extra.Data ?? [])}");

            Assert.AreEqual(Each, kv.Sum(e => ServiceStats.OperationRequests(e, "set")));
            Assert.AreEqual(Each, kv.Sum(e => ServiceStats.OperationRequests(e, "(unknown)")));
            Assert.AreEqual(Each, row.Sum(e => ServiceStats.OperationRequests(e, "(unknown)")));
            Assert.AreEqual(Each, sql.Sum(e => ServiceStats.OperationRequests(e, "(unknown)")));
            // NATS delivered each request to one host once: the service's own counts match ours.
            Assert.AreEqual(2 * Each, kv.Sum(e => e.GetProperty("num_requests").GetInt64()));
            Assert.AreEqual(Each, kv.Sum(e => e.GetProperty("num_errors").GetInt64()));
            Assert.AreEqual(Each, kv.Sum(e => e.GetProperty("data").GetProperty("num_errors").GetInt64()));
        }
        finally
        {
            await Task.WhenAll(first.StopAsync(), second.StopAsync());
        }
    }
}
