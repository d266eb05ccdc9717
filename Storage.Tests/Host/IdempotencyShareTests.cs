using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Host;
using Storage.Host.Nats;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// The <c>request_id</c> cache per plugin: <c>Nats:IdempotencyCacheBytesPerPlugin</c> per plugin,
/// <c>Nats:IdempotencyCacheBytes</c> in total; no plugin's traffic evicts another's replies.
/// </summary>
[TestClass]
public sealed class IdempotencyShareTests
{
    private static readonly string LongId = new('r', 120);

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_plugin_writing_many_long_ids_evicts_only_its_own_replies(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend,
            ["--Nats:IdempotencyCacheBytesPerPlugin=8192", "--Nats:IdempotencyCacheBytes=1048576"]);
        var (noisy, quiet) = ($"db.kv.{TestPlugins.New("noisy")}", $"db.kv.{TestPlugins.New("quiet")}");
        Assert.AreEqual(1, (await host.RequestAsync($"{quiet}.incr", """{"key":"c","request_id":"retry-me"}"""))["value"].GetInt64());
        var first = await host.RequestAsync($"{noisy}.incr", $$"""{"key":"c","request_id":"{{LongId}}-0"}""");
        for (var i = 1; i < 100; i++)
            await host.RequestAsync($"{noisy}.incr", $$"""{"key":"c","request_id":"{{LongId}}-{{i}}"}""");

        // The quiet plugin's retry still finds its reply: applied once.
        Assert.AreEqual(1, (await host.RequestAsync($"{quiet}.incr", """{"key":"c","request_id":"retry-me"}"""))["value"].GetInt64());
        Assert.AreEqual(1, (await host.RequestAsync($"{quiet}.get", """{"key":"c"}"""))["value"].GetInt64());
        // The noisy plugin pushed its own oldest reply out of its share.
        Assert.AreEqual(1, first["value"].GetInt64());
        Assert.AreEqual(101, (await host.RequestAsync($"{noisy}.incr", $$"""{"key":"c","request_id":"{{LongId}}-0"}"""))["value"].GetInt64());
        Assert.IsLessThanOrEqualTo(8192L, host.Get<IdempotencyCache>().PluginBytes(noisy.Split('.')[2]));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task When_the_whole_cache_is_full_a_write_with_a_request_id_is_refused_unapplied_with_a_retry_hint(string backend)
    {
        await using var host = await DedicatedHost.StartAsync(backend,
            ["--Nats:IdempotencyCacheBytesPerPlugin=8192", "--Nats:IdempotencyCacheBytes=12000"]);
        var (first, second, third) = ($"db.kv.{TestPlugins.New("first")}", $"db.kv.{TestPlugins.New("second")}", $"db.kv.{TestPlugins.New("third")}");
        // The first two hold about 8 KB and 4 KB; once the total is reached each replaces its own oldest.
        for (var i = 0; i < 30; i++)
            Assert.IsFalse((await host.RequestAsync($"{first}.incr", $$"""{"key":"c","request_id":"{{LongId}}-{{i}}"}""")).IsError);
        for (var i = 0; i < 30; i++)
            Assert.IsFalse((await host.RequestAsync($"{second}.incr", $$"""{"key":"c","request_id":"{{LongId}}-{{i}}"}""")).IsError);
        var refused = await host.RequestAsync($"{third}.incr", $$"""{"key":"c","request_id":"{{LongId}}"}""");
        Assert.AreEqual("UNAVAILABLE", refused.ErrorCode, refused.Body.ToString());
        StringAssert.Contains(refused.ErrorMessage, "Nats:IdempotencyCacheBytes");
        Assert.IsGreaterThan(0L, refused.Body.GetProperty("error").GetProperty("details").GetProperty("retry_after_ms").GetInt64());
        Assert.IsFalse((await host.RequestAsync($"{third}.get", """{"key":"c"}"""))["exists"].GetBoolean());
        // A write without request_id needs no cache room.
        Assert.IsFalse((await host.RequestAsync($"{third}.incr", """{"key":"c"}""")).IsError);
    }

    [TestMethod]
    public async Task Expired_replies_free_the_budget_and_are_forgotten()
    {
        // Each reply below takes about 500 bytes: two fit a share, and one full share nearly fills the total.
        var clock = new ManualClock();
        var cache = new IdempotencyCache(Options.Create(new NatsOptions
        {
            IdempotencyWindowSeconds = 60, IdempotencyCacheBytes = 1200, IdempotencyCacheBytesPerPlugin = 1024,
        }), clock);
        var runs = 0;
        ValueTask<byte[]> Run() => ValueTask.FromResult(new byte[] { (byte)++runs });
        for (var i = 0; i < 4; i++)
            await cache.GetOrRunAsync("a", "db.kv.a.set", $"{LongId}{i}", new byte[] { 1 }, Run);
        Assert.AreEqual(4, runs);
        Assert.IsLessThanOrEqualTo(1024L, cache.PluginBytes("a"));
        var full = await Assert.ThrowsAsync<StorageException>(async () => await cache.GetOrRunAsync("b", "db.kv.b.set", $"{LongId}", new byte[] { 1 }, Run));
        Assert.AreEqual(StorageErrorCode.Unavailable, full.Code);
        Assert.AreEqual(4, runs, "a refused write must not run");
        Assert.AreEqual(4, (await cache.GetOrRunAsync("a", "db.kv.a.set", $"{LongId}3", new byte[] { 1 }, Run))[0]);

        clock.Advance(TimeSpan.FromSeconds(61));
        await cache.GetOrRunAsync("b", "db.kv.b.set", $"{LongId}", new byte[] { 1 }, Run);
        Assert.AreEqual(5, runs);
        await cache.GetOrRunAsync("a", "db.kv.a.set", $"{LongId}3", new byte[] { 1 }, Run);
        Assert.AreEqual(6, runs, "an expired reply was still returned");
        Assert.IsLessThanOrEqualTo(1200L, cache.TotalBytes);
    }
}
