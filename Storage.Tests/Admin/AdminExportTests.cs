using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Admin;
using Storage.Kv;
using Storage.Rows;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Admin;

/// <summary><c>db.admin.export.&lt;plugin&gt;</c>: a JSON dump of KV and tables, refused with TOO_LARGE past its bounds.</summary>
[TestClass]
public sealed class AdminExportTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Export_dumps_kv_entries_and_typed_table_rows(string backend)
    {
        var plugin = await AdminTestData.FilledPluginAsync(backend);

        var export = await AdminTestData.SucceedAsync(backend, $"db.admin.export.{plugin}", "{}");

        Assert.AreEqual(plugin.Value, export["plugin"].GetString());
        StringAssert.EndsWith(export["exported_at"].GetString(), "Z");
        var kv = export["kv"].EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { "a1", "a2", "b1" }, kv.Select(e => e.GetProperty("key").GetString()).ToList());
        Assert.AreEqual("""{"n":1}""", kv[0].GetProperty("value").GetRawText());
        Assert.AreEqual(JsonValueKind.Null, kv[2].GetProperty("value").ValueKind);
        Assert.IsGreaterThan(0, kv[0].GetProperty("revision").GetInt64());
        Assert.IsFalse(kv[0].TryGetProperty("expires_at", out _));
        StringAssert.EndsWith(kv[1].GetProperty("expires_at").GetString(), "Z");
        var rows = export["tables"].GetProperty("quotes");
        Assert.AreEqual("""{"id":1,"text":"first","score":2.5,"active":true,"meta":{"tags":["a"]}}""", rows[0].GetRawText());
        Assert.AreEqual("""{"id":2,"text":"second","score":null,"active":false,"meta":null}""", rows[1].GetRawText());
        Assert.AreEqual(3, rows.GetArrayLength());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Through_nats_an_export_over_the_servers_max_payload_is_too_large(string backend)
    {
        var plugin = TestPlugins.New("adm");
        var big = new string('v', 60 * 1024);
        for (var i = 0; i < 20; i++)
            await AdminTestData.SucceedAsync(backend, $"db.kv.{plugin}.set", $$"""{"key":"big{{i}}","value":"{{big}}"}""");

        var export = await TestHosts.RequestAsync(backend, $"db.admin.export.{plugin}", "{}");

        Assert.AreEqual("TOO_LARGE", export.ErrorCode, export.Body.ToString());
        StringAssert.Contains(export.ErrorMessage, "max_payload of 1048576 bytes");
        Assert.AreEqual("413", export.Headers?["Nats-Service-Error-Code"].ToString());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_export_past_the_configured_limit_is_too_large(string backend)
    {
        var plugin = await FillKvAsync(backend);
        var export = Export(backend, exportMaxBytes: 2048, maxPayload: 1024 * 1024);

        var error = await Assert.ThrowsExactlyAsync<StorageException>(() => export.ExportAsync(plugin, CancellationToken.None));

        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code);
        StringAssert.Contains(error.Message, "Admin:ExportMaxBytes = 2048");
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_export_that_would_not_fit_the_nats_max_payload_is_too_large_and_says_so(string backend)
    {
        var plugin = await FillKvAsync(backend);
        var export = Export(backend, exportMaxBytes: 16 * 1024 * 1024, maxPayload: 4096);

        var error = await Assert.ThrowsExactlyAsync<StorageException>(() => export.ExportAsync(plugin, CancellationToken.None));

        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code);
        StringAssert.Contains(error.Message, "max_payload of 4096 bytes");
        Assert.AreEqual(4096L, error.Details!["limit"]);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task An_export_within_the_limits_is_complete_json(string backend)
    {
        var plugin = await FillKvAsync(backend);
        var export = Export(backend, exportMaxBytes: 16 * 1024 * 1024, maxPayload: 1024 * 1024);

        var json = await export.ExportAsync(plugin, CancellationToken.None);

        using var document = JsonDocument.Parse(json);
        Assert.AreEqual(40, document.RootElement.GetProperty("kv").GetArrayLength());
        Assert.AreEqual(0, document.RootElement.GetProperty("tables").EnumerateObject().Count());
    }

    // 40 keys of about 200 bytes each: about 10 KiB of export.
    private static async Task<PluginId> FillKvAsync(string backend)
    {
        var store = TestBackends.Get<IKvStore>(backend);
        var plugin = TestPlugins.New("adm");
        var value = JsonDocument.Parse(JsonSerializer.Serialize(new string('x', 200))).RootElement;
        for (var i = 0; i < 40; i++)
            await store.SetAsync(plugin, new KvSetRequest($"k{i:D2}", value), CancellationToken.None);
        return plugin;
    }

    private static AdminExport Export(string backend, long exportMaxBytes, long maxPayload)
    {
        var services = TestBackends.Get(backend);
        var admin = new AdminService(services.GetRequiredService<IPluginDatabase>(), services.GetRequiredService<IKvInspector>(),
            services.GetRequiredService<IRowInspector>(), services.GetServices<IPluginLifecycleObserver>(), services.GetRequiredService<IPluginChangeNotifier>());
        return new AdminExport(services.GetRequiredService<IPluginDatabase>(), admin, services.GetRequiredService<IKvInspector>(), services.GetRequiredService<IRowInspector>(),
            services.GetRequiredService<Storage.Migrations.IMigrator>(), Options.Create(new AdminOptions { ExportMaxBytes = exportMaxBytes }), new ReplyLimits { MaxPayloadBytes = maxPayload }, TimeProvider.System);
    }
}
