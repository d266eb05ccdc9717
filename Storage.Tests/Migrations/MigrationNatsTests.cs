using System.Text.Json;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Migrations;

[TestClass]
public sealed class MigrationNatsTests
{
    private static string Migrations(int count) => JsonSerializer.Serialize(Enumerable.Range(1, count).Select(n => new Dictionary<string, object>
    {
        ["version"] = $"{n:D3}",
        ["up"] = $"CREATE TABLE t{n:D3} (id INTEGER PRIMARY KEY, name TEXT); CREATE INDEX t{n:D3}_name ON t{n:D3} (name);",
        ["down"] = new Dictionary<string, string> { ["postgres"] = $"DROP TABLE t{n:D3}", ["sqlite"] = $"DROP TABLE t{n:D3}" },
    }));

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Apply_status_and_rollback_work_through_nats(string backend)
    {
        var subject = $"db.migrate.{TestPlugins.New()}";

        var apply = await TestHosts.RequestAsync(backend, subject, $$"""{"action":"apply","migrations":{{Migrations(12)}}}""");
        Assert.IsFalse(apply.IsError, apply.Body.ToString());
        Assert.AreEqual(12, apply["applied"].GetArrayLength());
        Assert.AreEqual("012", apply["current"].GetString());

        var again = await TestHosts.RequestAsync(backend, subject, $$"""{"action":"apply","migrations":{{Migrations(13)}}}""");
        Assert.AreEqual("""["013"]""", again["applied"].GetRawText());

        var status = await TestHosts.RequestAsync(backend, subject, """{"action":"status"}""");
        Assert.AreEqual("013", status["current"].GetString());
        var first = status["applied"][0];
        Assert.AreEqual("001", first.GetProperty("version").GetString());
        Assert.AreEqual(64, first.GetProperty("checksum").GetString()!.Length);
        StringAssert.EndsWith(first.GetProperty("applied_at").GetString(), "Z");
        Assert.IsGreaterThanOrEqualTo(0, first.GetProperty("duration_ms").GetInt64());

        var rollback = await TestHosts.RequestAsync(backend, subject, """{"action":"rollback","to":"010"}""");
        Assert.AreEqual("""["013","012","011"]""", rollback["rolled_back"].GetRawText());
        Assert.AreEqual("010", rollback["current"].GetString());

        var all = await TestHosts.RequestAsync(backend, subject, """{"action":"rollback","steps":10}""");
        Assert.AreEqual(JsonValueKind.Null, all["current"].ValueKind);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Failures_come_back_as_contract_errors(string backend)
    {
        var subject = $"db.migrate.{TestPlugins.New()}";
        await TestHosts.RequestAsync(backend, subject, """{"action":"apply","migrations":[{"version":"001","up":"CREATE TABLE a (id INTEGER)","down":"DROP TABLE a"}]}""");

        var conflict = await TestHosts.RequestAsync(backend, subject, """{"action":"apply","migrations":[{"version":"001","up":"CREATE TABLE a (id BIGINT)"}]}""");
        Assert.AreEqual("CONFLICT", conflict.ErrorCode);

        var failed = await TestHosts.RequestAsync(backend, subject,
            """{"action":"apply","migrations":[{"version":"002","up":"CREATE TABLE b (id INTEGER)"},{"version":"003","up":"CREATE TABLE a (id INTEGER)"}]}""");
        Assert.AreEqual("MIGRATION_FAILED", failed.ErrorCode);
        Assert.AreEqual("003", failed.Body.GetProperty("error").GetProperty("details").GetProperty("version").GetString());
        StringAssert.Contains(failed.ErrorMessage, "'003'");
        Assert.IsNotNull(failed.Headers?["Nats-Service-Error-Code"].ToString());

        var status = await TestHosts.RequestAsync(backend, subject, """{"action":"status"}""");
        Assert.AreEqual(1, status["applied"].GetArrayLength());

        Assert.AreEqual("INVALID_REQUEST", (await TestHosts.RequestAsync(backend, subject, """{"action":"explode"}""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await TestHosts.RequestAsync(backend, subject, """{}""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await TestHosts.RequestAsync(backend, subject, """{"action":"apply","migrations":[{"version":"004","up":42}]}""")).ErrorCode);
        Assert.AreEqual("INVALID_JSON", (await TestHosts.RequestAsync(backend, subject, """{"action":""")).ErrorCode);
        Assert.AreEqual("INVALID_REQUEST", (await TestHosts.RequestAsync(backend, "db.migrate.Bad!", """{"action":"status"}""")).ErrorCode);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Dry_run_and_per_backend_scripts_work_through_nats(string backend)
    {
        var subject = $"db.migrate.{TestPlugins.New()}";
        var body = """
            {"action":"apply","dry_run":true,"migrations":[{"version":"001",
              "up":{"postgres":"CREATE TABLE q (id SERIAL PRIMARY KEY, at TIMESTAMPTZ DEFAULT NOW())","sqlite":"CREATE TABLE q (id INTEGER PRIMARY KEY, at TEXT)"},
              "down":{"postgres":"DROP TABLE q","sqlite":"DROP TABLE q"}}]}
            """;
        var dry = await TestHosts.RequestAsync(backend, subject, body);
        Assert.IsTrue(dry["dry_run"].GetBoolean(), dry.Body.ToString());
        Assert.AreEqual(JsonValueKind.Null, (await TestHosts.RequestAsync(backend, subject, """{"action":"status"}"""))["current"].ValueKind);

        var real = await TestHosts.RequestAsync(backend, subject, body.Replace("\"dry_run\":true,", "", StringComparison.Ordinal));
        Assert.AreEqual("001", real["current"].GetString(), real.Body.ToString());
    }
}
