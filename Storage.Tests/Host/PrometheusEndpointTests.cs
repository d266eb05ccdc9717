using System.Globalization;
using System.Net;
using System.Text.Json;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>The opt-in listener of <c>Telemetry:Prometheus:Url</c>: a Prometheus scrape endpoint and the health probes.</summary>
[TestClass]
public sealed class PrometheusEndpointTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(15) };

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_scrape_finds_the_request_series_and_the_probes_answer_json(string backend)
    {
        var url = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}/";
        await using var host = await DedicatedHost.StartAsync(backend, [$"--Telemetry:Prometheus:Url={url}"]);
        var plugin = TestPlugins.New().Value;
        Assert.IsFalse((await host.RequestAsync($"db.kv.{plugin}.set", """{"key":"k","value":1}""")).IsError);
        Assert.IsTrue((await host.RequestAsync($"db.kv.{plugin}.get", """{"key":""}""")).IsError);

        var metrics = await Http.GetStringAsync(url + "metrics");
        StringAssert.Contains(metrics, "storage_requests_total{");
        StringAssert.Contains(metrics, "tier=\"kv\"");
        StringAssert.Contains(metrics, $"plugin=\"{plugin}\"");
        StringAssert.Contains(metrics, "storage_request_errors_total{");
        StringAssert.Contains(metrics, "code=\"INVALID_REQUEST\"");
        StringAssert.Contains(metrics, "storage_request_duration_seconds_bucket{");
        StringAssert.Contains(metrics, "storage_dispatcher_busy");
        if (backend == Backend.Postgres)
            StringAssert.Contains(metrics, "storage_db_connections{", "The connection budget's gauges are part of the scrape.");

        foreach (var series in DashboardSeries().Where(s => backend == Backend.Postgres || !s.StartsWith("storage_db_", StringComparison.Ordinal)))
            StringAssert.Contains(metrics, series, "docs/grafana-dashboard.json queries a series the scrape lacks.");

        using var health = await Http.GetAsync(url + "healthz");
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
        Assert.AreEqual("application/json", health.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual("ok", (await JsonAsync(health)).GetProperty("status").GetString());

        using var ready = await Http.GetAsync(url + "readyz");
        var body = await JsonAsync(ready);
        Assert.AreEqual(HttpStatusCode.OK, ready.StatusCode, body.ToString());
        Assert.AreEqual("ready", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.IsTrue(checks.GetProperty("nats").GetProperty("ok").GetBoolean());
        Assert.AreEqual(backend, checks.GetProperty("database").GetProperty("provider").GetString());
        Assert.IsGreaterThan(10, checks.GetProperty("endpoints").GetProperty("registered").GetInt32());
    }

    [TestMethod]
    public async Task Readyz_is_503_naming_the_database_while_postgres_is_down_and_ready_again_after()
    {
        using var postgres = await PostgresServer.StartAsync();
        var connectionString = $"Host=127.0.0.1;Port={postgres.Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres;Timeout=2";
        var url = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}/";
        await using var host = await DedicatedHost.StartAsync(Backend.Postgres, [$"--Telemetry:Prometheus:Url={url}"], postgresConnectionString: connectionString);

        postgres.Stop();
        using (var down = await Http.GetAsync(url + "readyz"))
        {
            var body = await JsonAsync(down);
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, down.StatusCode, body.ToString());
            Assert.AreEqual("not_ready", body.GetProperty("status").GetString());
            Assert.IsFalse(body.GetProperty("checks").GetProperty("database").GetProperty("ok").GetBoolean());
            Assert.IsTrue(body.GetProperty("checks").GetProperty("database").TryGetProperty("error", out _), body.ToString());
            Assert.IsTrue(body.GetProperty("checks").GetProperty("nats").GetProperty("ok").GetBoolean());
        }
        using (var alive = await Http.GetAsync(url + "healthz"))
            Assert.AreEqual(HttpStatusCode.OK, alive.StatusCode, "The process is up even when the database is not.");

        postgres.Start();
        var deadline = Eventually.From(DateTime.UtcNow);
        HttpStatusCode status;
        do
        {
            using var again = await Http.GetAsync(url + "readyz");
            status = again.StatusCode;
            if (status != HttpStatusCode.OK)
                await Task.Delay(200);
        } while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.AreEqual(HttpStatusCode.OK, status, "Not ready again within 30 s after PostgreSQL returned.");
    }

    [TestMethod]
    [DataRow("http://127.0.0.1:9464/metrics")]
    [DataRow("https://127.0.0.1:9464/")]
    [DataRow("not a url")]
    public void A_prometheus_url_with_a_path_or_another_scheme_is_refused_naming_the_setting(string url)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Storage.Host.StorageHostBuilder.Create([$"--Telemetry:Prometheus:Url={url}"]));
        StringAssert.Contains(error.Message, "Telemetry:Prometheus:Url");
    }

    // Every series the dashboard queries, except the sweep counters, which appear after the first sweep.
    private static IEnumerable<string> DashboardSeries()
    {
        var dashboard = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "grafana-dashboard.json"));
        return System.Text.RegularExpressions.Regex.Matches(dashboard, @"\bstorage_[a-z_]+")
            .Select(m => m.Value)
            .Where(name => !name.StartsWith("storage_kv_", StringComparison.Ordinal))
            .Distinct();
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
