using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Kv;
using Storage.Rows;
using Storage.Sql;
using Storage.Sql.Internal;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

/// <summary>
/// The opt-in result cache (<c>cache_ms</c>): served while fresh, retired by the plugin's own writes
/// through any tier, bounded per plugin so that no plugin evicts another's entries.
/// </summary>
[TestClass]
public sealed class SqlResultCacheTests
{
    private const string Count = """{"query":"SELECT count(*) AS n FROM items","cache_ms":60000}""";

    private static ServiceProvider Build(string backend, ManualClock clock, Action<SqlOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(clock);
        services.AddPluginStorage(options => TestBackends.Configure(backend, options)).AddKv().AddRows().AddSql(configure ?? (_ => { }));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_cached_result_is_served_until_it_expires(string backend)
    {
        var clock = new ManualClock();
        await using var services = Build(backend, clock);
        var plugin = TestPlugins.New("cache");
        await SqlTestSchema.CreateItemsAsync(backend, plugin, services);
        var first = await SqlTestSchema.RunAsync(backend, plugin, Count, services);
        Assert.IsNull(first.Cached);
        // Changed behind the service's back (not through this host): the cache does not see it until cache_ms passes.
        await SqlTestSchema.ExecuteAsync(backend, plugin, "DELETE FROM items WHERE id = 3", services);
        var second = await SqlTestSchema.RunAsync(backend, plugin, Count, services);
        Assert.IsTrue(second.Cached);
        Assert.AreEqual(0, second.ElapsedMs);
        Assert.AreEqual(first.Rows.GetRawText(), second.Rows.GetRawText());
        // The host's reply path (written straight to bytes) serves the same cached result.
        using (var reply = new PooledBufferWriter())
        {
            await SqlTestSchema.Runner(backend, services).WriteQueryAsync(plugin, SqlTestSchema.Request(Count), reply, CancellationToken.None);
            Assert.AreEqual("""{"columns":["n"],"rows":[{"n":3}],"row_count":1,"truncated":false,"elapsed_ms":0,"cached":true}""", Encoding.UTF8.GetString(reply.WrittenSpan));
        }
        // Other params or max_rows are other entries.
        Assert.IsNull((await SqlTestSchema.RunAsync(backend, plugin, """{"query":"SELECT count(*) AS n FROM items","cache_ms":60000,"max_rows":5}""", services)).Cached);
        clock.Advance(TimeSpan.FromSeconds(61));
        var fresh = await SqlTestSchema.RunAsync(backend, plugin, Count, services);
        Assert.IsNull(fresh.Cached);
        Assert.AreEqual("""[{"n":2}]""", fresh.Rows.GetRawText());
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_write_through_rows_or_sql_retires_the_plugins_cached_results(string backend)
    {
        await using var services = Build(backend, new ManualClock());
        var plugin = TestPlugins.New("cache");
        await SqlTestSchema.CreateItemsAsync(backend, plugin, services);
        await SqlTestSchema.RunAsync(backend, plugin, Count, services);
        Assert.IsTrue((await SqlTestSchema.RunAsync(backend, plugin, Count, services)).Cached);

        await services.GetRequiredService<IRowStore>().InsertAsync(plugin,
            new RowInsertRequest("items", System.Text.Json.JsonDocument.Parse("""{"id":4,"name":"fig"}""").RootElement), CancellationToken.None);
        var afterRow = await SqlTestSchema.RunAsync(backend, plugin, Count, services);
        Assert.IsNull(afterRow.Cached);
        Assert.AreEqual("""[{"n":4}]""", afterRow.Rows.GetRawText());

        Assert.IsTrue((await SqlTestSchema.RunAsync(backend, plugin, Count, services)).Cached);
        await SqlTestSchema.RunAsync(backend, plugin, """{"query":"DELETE FROM items WHERE id = 4","allow_write":true}""", services);
        var afterSql = await SqlTestSchema.RunAsync(backend, plugin, Count, services);
        Assert.IsNull(afterSql.Cached);
        Assert.AreEqual("""[{"n":3}]""", afterSql.Rows.GetRawText());

        // A schema change (migration, purge, or one announced by another host) retires them too.
        Assert.IsTrue((await SqlTestSchema.RunAsync(backend, plugin, Count, services)).Cached);
        foreach (var observer in services.GetServices<IPluginSchemaObserver>())
            observer.SchemaChanged(plugin);
        Assert.IsNull((await SqlTestSchema.RunAsync(backend, plugin, Count, services)).Cached);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_filling_its_share_does_not_evict_another_plugins_entries(string backend)
    {
        const long perPlugin = 16 * 1024;
        const long total = 40 * 1024;
        await using var services = Build(backend, new ManualClock(), o => (o.ResultCacheBytes, o.ResultCacheBytesPerPlugin) = (total, perPlugin));
        var cache = services.GetRequiredService<SqlResultCache>();
        var victim = TestPlugins.New("cache");
        await SqlTestSchema.CreateItemsAsync(backend, victim, services);
        await SqlTestSchema.RunAsync(backend, victim, Count, services);
        var hostiles = new[] { TestPlugins.New("cache"), TestPlugins.New("cache"), TestPlugins.New("cache") };
        foreach (var hostile in hostiles)
        {
            await SqlTestSchema.CreateItemsAsync(backend, hostile, services);
            // Every distinct parameter value is another entry of about 1 KiB.
            for (var n = 0; n < 40; n++)
                await SqlTestSchema.RunAsync(backend, hostile,
                    $$"""{"query":"SELECT id, name, :pad AS pad FROM items WHERE id <> :n","params":{"n":{{n}},"pad":"{{new string('x', 200)}}"},"cache_ms":60000}""", services);
            Assert.IsLessThanOrEqualTo(perPlugin, cache.PluginBytes(hostile));
        }
        Assert.IsLessThanOrEqualTo(total, cache.TotalBytes);
        // The last hostile found the cache nearly full: it got the room left and then replaced its own oldest entries.
        Assert.IsTrue((await SqlTestSchema.RunAsync(backend, victim, Count, services)).Cached, "the victim's entry survived");
        Assert.IsGreaterThan(0L, cache.PluginBytes(victim));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"query":"SELECT 1","cache_ms":0}""", "between 1 and 60000")]
    [DataRow(Backend.Postgres, """{"query":"SELECT 1","cache_ms":60001}""", "between 1 and 60000")]
    [DataRow(Backend.Sqlite, """{"query":"UPDATE items SET qty = 1","allow_write":true,"cache_ms":10}""", "read-only")]
    [DataRow(Backend.Postgres, """{"query":"SELECT 1","explain":true,"cache_ms":10}""", "read-only")]
    public async Task Cache_ms_out_of_range_or_on_a_write_is_invalid_request_naming_it(string backend, string json, string message)
    {
        var plugin = TestPlugins.New("cache");
        await SqlTestSchema.CreateItemsAsync(backend, plugin);
        var error = await SqlTestSchema.FailAsync(backend, plugin, json);
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual("cache_ms", error.Details["field"]);
        StringAssert.Contains(error.Message, message);
    }
}
