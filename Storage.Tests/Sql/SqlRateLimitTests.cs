using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

[TestClass]
public sealed class SqlRateLimitTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task A_limited_plugin_is_rate_limited_while_another_is_unaffected(string backend)
    {
        // A bucket of 3 refilled once a second: a quick run of queries soon finds it empty.
        await using var services = SqlTestServices.Build(backend, o =>
            o.PerPlugin["limited-*"] = new SqlRateLimitOptions { PermitsPerSecond = 1, Burst = 3 });
        var limited = TestPlugins.New("limited");
        var other = TestPlugins.New("other");
        var runner = SqlTestSchema.Runner(backend, services);
        StorageException? error = null;
        var succeeded = 0;
        for (var i = 0; i < 50 && error is null; i++)
        {
            try
            {
                await runner.QueryAsync(limited, new SqlQueryRequest("SELECT 1 AS one"), CancellationToken.None);
                succeeded++;
            }
            catch (StorageException ex)
            {
                error = ex;
            }
        }
        Assert.IsNotNull(error, "50 queries in a row never hit a bucket of 3.");
        Assert.AreEqual(StorageErrorCode.RateLimited, error.Code);
        Assert.IsGreaterThanOrEqualTo(3, succeeded);
        StringAssert.Contains(error.Message, "1 queries per second");
        Assert.IsGreaterThan(0L, (long)error.Details["retry_after_ms"]!);

        for (var i = 0; i < 20; i++)
        {
            var reply = await runner.QueryAsync(other, new SqlQueryRequest("SELECT 1 AS one"), CancellationToken.None);
            Assert.AreEqual(1, reply.RowCount);
        }
    }

    [TestMethod]
    public async Task Per_plugin_overrides_prefer_an_exact_name_then_the_longest_prefix()
    {
        await using var services = SqlTestServices.Build(Backend.Sqlite, o =>
        {
            o.PermitsPerSecond = 7;
            o.PerPlugin["a*"] = new SqlRateLimitOptions { PermitsPerSecond = 1 };
            o.PerPlugin["ab*"] = new SqlRateLimitOptions { PermitsPerSecond = 2 };
            o.PerPlugin["abc"] = new SqlRateLimitOptions { PermitsPerSecond = 3 };
        });
        var limiter = services.GetRequiredService<Storage.Sql.Internal.SqlRateLimiter>();
        Assert.AreEqual(3, limiter.LimitFor(PluginId.Parse("abc")).PermitsPerSecond);
        Assert.AreEqual(2, limiter.LimitFor(PluginId.Parse("abcd")).PermitsPerSecond);
        Assert.AreEqual(1, limiter.LimitFor(PluginId.Parse("a")).PermitsPerSecond);
        Assert.AreEqual(7, limiter.LimitFor(PluginId.Parse("b")).PermitsPerSecond);
        await Task.CompletedTask;
    }

    [TestMethod]
    [DataRow(0, 10, 100)]
    [DataRow(10, 0, 100)]
    [DataRow(10, 10, -1)]
    public async Task Invalid_options_are_refused_when_the_tier_starts(int permits, int burst, int slowMs)
    {
        await using var services = SqlTestServices.Build(Backend.Sqlite, o =>
        {
            o.SlowQueryMs = slowMs;
            o.PerPlugin["p*"] = new SqlRateLimitOptions { PermitsPerSecond = permits, Burst = burst };
        });
        Assert.ThrowsExactly<Microsoft.Extensions.Options.OptionsValidationException>(() => services.GetService<ISqlRunner>());
    }

    [TestMethod]
    public async Task Per_plugin_limits_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sql:Burst"] = "50",
                ["Sql:PerPlugin:reports-*:PermitsPerSecond"] = "5",
                ["Sql:PerPlugin:reports-*:Burst"] = "10",
            })
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddPluginStorage(o => TestBackends.Configure(Backend.Sqlite, o)).AddSql(configuration.GetSection("Sql"));
        await using var provider = services.BuildServiceProvider();
        var limiter = provider.GetRequiredService<Storage.Sql.Internal.SqlRateLimiter>();
        Assert.AreEqual(10, limiter.LimitFor(PluginId.Parse("reports-x")).Burst);
        Assert.AreEqual(5, limiter.LimitFor(PluginId.Parse("reports-x")).PermitsPerSecond);
        Assert.AreEqual(50, limiter.LimitFor(PluginId.Parse("chat")).Burst);
    }
}
