using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Storage.Core;
using Storage.Kv;
using Storage.Kv.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

[TestClass]
public sealed class ObservabilityTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Requests_errors_and_latency_are_measured_per_tier_operation_and_plugin(string backend)
    {
        using var recorder = new MeasurementRecorder();
        var plugin = TestPlugins.New().Value;
        Assert.IsFalse((await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.set", """{"key":"k","value":1}""")).IsError);
        Assert.AreEqual("INVALID_JSON", (await TestHosts.RequestAsync(backend, $"db.kv.{plugin}.get", "nope")).ErrorCode);

        Assert.AreEqual(1, await recorder.WaitForSumAsync(1, "storage.requests", ("tier", "kv"), ("operation", "set"), ("plugin", plugin), ("outcome", "ok")));
        Assert.AreEqual(1, await recorder.WaitForSumAsync(1, "storage.request.errors", ("tier", "kv"), ("operation", "get"), ("plugin", plugin), ("code", "INVALID_JSON")));
        Assert.AreEqual(2, recorder.Find("storage.request.duration", ("tier", "kv"), ("plugin", plugin)).Count());
        Assert.IsTrue(recorder.Find("storage.request.duration", ("plugin", plugin)).All(m => m.Value > 0));
    }

    [TestMethod]
    public async Task An_invalid_plugin_token_is_measured_under_one_tag_value()
    {
        using var recorder = new MeasurementRecorder();
        var bad = $"BAD{Guid.NewGuid():N}";
        Assert.AreEqual("INVALID_REQUEST", (await TestHosts.RequestAsync(Backend.Sqlite, $"db.kv.{bad}.get", """{"key":"k"}""")).ErrorCode);
        await recorder.WaitForSumAsync(1, "storage.request.errors", ("plugin", "(invalid)"), ("code", "INVALID_REQUEST"));
        Assert.IsFalse(recorder.Measurements.Any(m => m.Tags.Values.Contains(bad)), "A raw subject token became a metric tag.");
    }

    [TestMethod]
    public async Task Srv_stats_counts_requests_errors_and_processing_time_per_endpoint()
    {
        await using var host = await DedicatedHost.StartAsync(Backend.Sqlite);
        var plugin = TestPlugins.New().Value;
        for (var i = 0; i < 5; i++)
            await host.RequestAsync($"db.kv.{plugin}.get", """{"key":"k"}""");
        for (var i = 0; i < 3; i++)
            await host.RequestAsync($"db.kv.{plugin}.get", "[");

        var endpoint = await WaitForStatsAsync(host, "kv", requests: 8);
        Assert.AreEqual(8, endpoint.GetProperty("num_requests").GetInt64());
        Assert.AreEqual(3, endpoint.GetProperty("num_errors").GetInt64());
        Assert.Contains("INVALID_JSON", endpoint.GetProperty("last_error").GetString() ?? "");
        var data = endpoint.GetProperty("data");
        Assert.AreEqual(8, data.GetProperty("num_requests").GetInt64());
        Assert.AreEqual(3, data.GetProperty("num_errors").GetInt64());
        Assert.IsGreaterThan(0, data.GetProperty("processing_time").GetInt64());
        var get = data.GetProperty("operations").GetProperty("get");
        Assert.AreEqual(8, get.GetProperty("num_requests").GetInt64());
        Assert.AreEqual(3, get.GetProperty("num_errors").GetInt64());

        var info = JsonDocument.Parse((await host.Client.RequestAsync<byte[], byte[]>("$SRV.INFO.storage", [])).Data!).RootElement;
        var kv = info.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "kv");
        Assert.AreEqual("db.kv.*.>", kv.GetProperty("subject").GetString());
        Assert.AreEqual("set,get,delete,list,incr", kv.GetProperty("metadata").GetProperty("operations").GetString());
    }

    [TestMethod]
    public async Task A_failed_request_logs_one_line_with_plugin_subject_and_code_but_no_value()
    {
        var logs = new CapturedLogs();
        await using var host = await DedicatedHost.StartAsync(Backend.Sqlite, ["--Logging:LogLevel:Storage=Information"], logs);
        var plugin = TestPlugins.New().Value;
        const string Secret = "SECRET-VALUE-4711";
        Assert.IsFalse((await host.RequestAsync($"db.kv.{plugin}.set", $$"""{"key":"k","value":"{{Secret}}"}""")).IsError);
        var conflict = await host.RequestAsync($"db.kv.{plugin}.set", $$"""{"key":"k","value":"{{Secret}}","if_absent":true}""");
        Assert.AreEqual("CONFLICT", conflict.ErrorCode);

        var deadline = Eventually.From(DateTime.UtcNow);
        List<CapturedLine> lines;
        do
        {
            lines = [.. logs.Lines.Where(l => l.Fields.TryGetValue("Plugin", out var p) && p == plugin)];
            if (lines.Count == 0)
                await Task.Delay(20);
        }
        while (lines.Count == 0 && DateTime.UtcNow < deadline);

        var line = lines.Single();
        Assert.AreEqual(LogLevel.Information, line.Level);
        Assert.AreEqual($"db.kv.{plugin}.set", line.Fields["Subject"]);
        Assert.AreEqual("CONFLICT", line.Fields["Code"]);
        Assert.IsFalse(logs.Lines.Any(l => l.Message.Contains(Secret, StringComparison.Ordinal)), "A plugin's value reached the log.");
    }

    [TestMethod]
    [DataRow("console")]
    [DataRow("otlp")]
    public async Task A_configured_exporter_is_registered_and_requests_still_flow(string exporter)
    {
        await using var host = await DedicatedHost.StartAsync(Backend.Sqlite,
            [$"--Telemetry:Exporter={exporter}", "--Telemetry:OtlpEndpoint=http://127.0.0.1:9", "--Telemetry:ExportIntervalMs=1000"]);
        var meterProvider = host.Host.Services.GetService<OpenTelemetry.Metrics.MeterProvider>();
        Assert.IsNotNull(meterProvider, "No OpenTelemetry meter provider was registered.");
        var plugin = TestPlugins.New().Value;
        Assert.IsFalse((await host.RequestAsync($"db.kv.{plugin}.set", """{"key":"k","value":1}""")).IsError);
    }

    [TestMethod]
    public async Task The_ttl_sweep_counts_deleted_entries()
    {
        using var recorder = new MeasurementRecorder();
        var clock = new ManualClock();
        var services = new ServiceCollection();
        // Registered before AddKv, whose TryAdd keeps it: the TTLs expire by hand, not by sleeping.
        services.AddSingleton<TimeProvider>(clock);
        services.AddPluginStorage(o =>
        {
            TestBackends.Configure(Backend.Sqlite, o);
            o.Sqlite.Directory = Directory.CreateTempSubdirectory("storage-sweep-").FullName;
        }).AddKv();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IKvStore>();
        var plugin = TestPlugins.New();
        await store.SetAsync(plugin, new KvSetRequest("a", JsonDocument.Parse("1").RootElement, Ttl: 1), CancellationToken.None);
        await store.SetAsync(plugin, new KvSetRequest("b", JsonDocument.Parse("2").RootElement, Ttl: 1), CancellationToken.None);
        await store.SetAsync(plugin, new KvSetRequest("c", JsonDocument.Parse("3").RootElement, Ttl: 3), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));

        var deleted = await provider.GetRequiredService<KvSweeper>().SweepAllAsync(CancellationToken.None);

        Assert.AreEqual(2, deleted);
        Assert.IsGreaterThanOrEqualTo(2, await recorder.WaitForSumAsync(2, "storage.kv.swept"));
        Assert.IsGreaterThanOrEqualTo(1, recorder.Find("storage.kv.sweeps").Count());
    }

    private static async Task<JsonElement> WaitForStatsAsync(DedicatedHost host, string endpointName, long requests)
    {
        var deadline = Eventually.From(DateTime.UtcNow);
        while (true)
        {
            var reply = await host.Client.RequestAsync<byte[], byte[]>("$SRV.STATS.storage", []);
            var stats = JsonDocument.Parse(reply.Data!).RootElement.Clone();
            Assert.AreEqual("io.nats.micro.v1.stats_response", stats.GetProperty("type").GetString());
            var endpoint = stats.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == endpointName);
            if (endpoint.GetProperty("data").GetProperty("num_requests").GetInt64() >= requests || DateTime.UtcNow > deadline)
                return endpoint;
            await Task.Delay(20);
        }
    }
}
