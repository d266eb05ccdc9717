using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

[TestClass]
public sealed class KvFirstUseTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Two_service_instances_using_a_plugin_for_the_first_time_at_once_both_succeed(string backend)
    {
        // Two instances share the database but not their "tables exist" memory (scale-out, or the sweeper of another host).
        await using var one = new KvStores(backend);
        await using var two = new KvStores(backend);
        for (var round = 0; round < 5; round++)
        {
            var plugin = TestPlugins.New();
            var reads = Enumerable.Range(0, 4).Select(i => Task.Run(() => (i % 2 == 0 ? one : two).Store.GetAsync(plugin, new KvGetRequest("k"), None)));
            var results = await Task.WhenAll(reads);
            Assert.IsTrue(results.All(r => !r.Exists));
        }
    }
}
