using System.Text;
using Microsoft.Extensions.Logging;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// What reaches the wire whatever a plugin sends: fire-and-forget requests are applied and counted
/// without stack traces, bodies must be UTF-8, INVALID_JSON says where, and no reply (error or
/// success) is larger than the server's max_payload.
/// </summary>
[TestClass]
public sealed class WireHygieneTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Requests_without_a_reply_subject_are_applied_counted_and_logged_once_without_a_stack(string backend)
    {
        using var logs = new CapturedLogs();
        using var recorder = new MeasurementRecorder();
        await using var host = await DedicatedHost.StartAsync(backend, logs: logs);
        var plugin = TestPlugins.New().Value;
        for (var i = 0; i < 3; i++)
            await host.Client.PublishAsync($"db.kv.{plugin}.set", Encoding.UTF8.GetBytes($$"""{"key":"k{{i}}","value":{{i}}}"""));
        await host.Client.PublishAsync($"db.kv.{plugin}.set", Encoding.UTF8.GetBytes("""{"key":""}"""));

        Assert.IsGreaterThanOrEqualTo(4, await recorder.WaitForSumAsync(4, "storage.requests.unanswerable", ("tier", "kv"), ("operation", "set")));
        // Applied, though nobody was told: poll (the requests run concurrently with this test's reads).
        var deadline = Eventually.From(DateTime.UtcNow);
        for (var i = 0; i < 3; i++)
        {
            Reply got;
            while (!(got = await host.RequestAsync($"db.kv.{plugin}.get", $$"""{"key":"k{{i}}"}"""))["exists"].GetBoolean() && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            Assert.AreEqual(i, got["value"].GetInt32());
        }
        var lines = logs.Lines.Where(l => l.Message.Contains(plugin, StringComparison.Ordinal) && l.Message.Contains("reply subject", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, lines, "One line per plugin per minute.");
        Assert.IsNull(lines[0].Exception);
        Assert.IsFalse(logs.Lines.Any(l => l.Level >= LogLevel.Error), string.Join('\n', logs.Lines.Where(l => l.Level >= LogLevel.Error).Select(l => l.Message)));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_body_that_is_not_utf8_is_invalid_json_even_inside_a_property_name(string backend)
    {
        var plugin = TestPlugins.New().Value;
        byte[][] bodies =
        [
            [.. "{\"key\":\""u8, 0xC3, 0x28, .. "\",\"value\":1}"u8],
            [.. "{\"ke"u8, 0xFF, .. "y\":\"k\",\"value\":1}"u8],
        ];
        foreach (var body in bodies)
        {
            var reply = await TestHosts.RequestRawAsync(backend, $"db.kv.{plugin}.set", body);
            Assert.AreEqual("INVALID_JSON", reply.ErrorCode, reply.Body.ToString());
            Assert.AreEqual(1, reply.Body.GetProperty("error").GetProperty("details").GetProperty("line").GetInt64());
        }
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.list", "{}"))["keys"].EnumerateArray().Any());
    }

    [TestMethod]
    public async Task Invalid_json_names_the_line_and_byte_where_parsing_stopped()
    {
        var reply = await TestHosts.RequestAsync(Backend.Sqlite, $"db.kv.{TestPlugins.New()}.set", "{\n  \"key\": \"k\",\n  \"value\": }");

        Assert.AreEqual("INVALID_JSON", reply.ErrorCode);
        var details = reply.Body.GetProperty("error").GetProperty("details");
        Assert.AreEqual(3, details.GetProperty("line").GetInt64());
        Assert.AreEqual(11, details.GetProperty("position").GetInt64());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_error_echoing_a_huge_name_is_cut_and_delivered(string backend)
    {
        var name = new string('x', 900_000);
        var reply = await TestHosts.RequestAsync(backend, $"db.row.{TestPlugins.New()}.search", $$"""{"table":"{{name}}"}""");

        Assert.IsTrue(reply.IsError);
        Assert.IsLessThan(4096, reply.Body.GetRawText().Length, "The error reply is cut to a few KB.");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_success_reply_over_max_payload_is_too_large_with_the_limit(string backend)
    {
        // 10,000 keys of 200 characters: a list reply of about 2 MB, over the server's 1 MiB.
        var plugin = TestPlugins.New().Value;
        // In waves within the plugin's share of processing slots (Nats:MaxConcurrencyPerPlugin).
        for (var wave = 0; wave < 10_000 / 25; wave++)
        {
            var replies = await Task.WhenAll(Enumerable.Range(wave * 25, 25).Select(i =>
                TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", $$"""{"key":"{{i:D5}}{{new string('k', 195)}}","value":1}""")));
            Assert.IsFalse(replies.Any(r => r.IsError), replies.FirstOrDefault(r => r.IsError)?.Body.ToString());
        }

        var reply = await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.list", """{"limit":10000}""");

        Assert.AreEqual("TOO_LARGE", reply.ErrorCode, reply.Body.ToString()[..Math.Min(300, reply.Body.ToString().Length)]);
        Assert.AreEqual(1024 * 1024, reply.Body.GetProperty("error").GetProperty("details").GetProperty("max_payload").GetInt64());
        Assert.IsTrue(reply.Body.GetProperty("error").GetProperty("details").TryGetProperty("limit_bytes", out _));
        Assert.AreEqual(200, (await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.list", """{"limit":200}"""))["keys"].GetArrayLength());
    }
}
