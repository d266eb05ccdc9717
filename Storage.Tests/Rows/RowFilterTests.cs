using System.Collections.Concurrent;
using Storage.Core;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>Every filter operator on both backends, against one seeded table per backend (read-only tests).</summary>
[TestClass]
public sealed class RowFilterTests
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<PluginId>>> Seeded = new();

    // id: name, qty, score, active, created_at, tags
    private const string Seed = """
        [
          {"name":"Apple","qty":5,"score":1.5,"active":true,"created_at":"2025-01-01T00:00:00Z","code":"a"},
          {"name":"apple pie","qty":10,"score":2.5,"active":false,"created_at":"2025-06-01T12:00:00Z","code":"b"},
          {"name":"Banana","qty":null,"score":0.5,"active":true,"created_at":"2025-03-01T00:00:00Z","code":"c"},
          {"name":"50% off","qty":50,"score":null,"active":null,"created_at":null,"code":"d"},
          {"name":"a_b","qty":0,"score":-1,"active":false,"created_at":"2024-12-31T23:59:59Z","code":null}
        ]
        """;

    private static Task<PluginId> SeedAsync(string backend) =>
        Seeded.GetOrAdd(backend, b => new Lazy<Task<PluginId>>(async () =>
        {
            var plugin = TestPlugins.New("f");
            await CreateItemsAsync(b, plugin);
            await TestBackends.Get<IRowStore>(b).InsertAsync(plugin, new RowInsertRequest("items", Json(Seed)), CancellationToken.None);
            return plugin;
        })).Value;

    private static async Task<string> NamesAsync(string backend, string filters)
    {
        var plugin = await SeedAsync(backend);
        var result = await TestBackends.Get<IRowStore>(backend).SearchAsync(plugin, new RowSearchRequest("items", Filters: Json(filters)), CancellationToken.None);
        return string.Join("|", result.Rows.Select(r => r["name"]!.GetValue<string>()));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"name":"Apple"}""", "Apple")]
    [DataRow(Backend.Postgres, """{"name":"Apple"}""", "Apple")]
    [DataRow(Backend.Sqlite, """{"qty":{"$eq":10}}""", "apple pie")]
    [DataRow(Backend.Postgres, """{"qty":{"$eq":10}}""", "apple pie")]
    [DataRow(Backend.Sqlite, """{"qty":{"$ne":5}}""", "apple pie|50% off|a_b")]
    [DataRow(Backend.Postgres, """{"qty":{"$ne":5}}""", "apple pie|50% off|a_b")]
    [DataRow(Backend.Sqlite, """{"qty":{"$gt":5,"$lte":50}}""", "apple pie|50% off")]
    [DataRow(Backend.Postgres, """{"qty":{"$gt":5,"$lte":50}}""", "apple pie|50% off")]
    [DataRow(Backend.Sqlite, """{"qty":{"$gte":5,"$lt":50}}""", "Apple|apple pie")]
    [DataRow(Backend.Postgres, """{"qty":{"$gte":5,"$lt":50}}""", "Apple|apple pie")]
    [DataRow(Backend.Sqlite, """{"score":{"$lt":1}}""", "Banana|a_b")]
    [DataRow(Backend.Postgres, """{"score":{"$lt":1}}""", "Banana|a_b")]
    [DataRow(Backend.Sqlite, """{"name":{"$gt":"B"}}""", "apple pie|a_b|Banana")]
    [DataRow(Backend.Postgres, """{"name":{"$gt":"B"}}""", "apple pie|a_b|Banana")]
    [DataRow(Backend.Sqlite, """{"created_at":{"$gte":"2025-01-01T00:00:00Z","$lt":"2025-06-01T12:00:00Z"}}""", "Apple|Banana")]
    [DataRow(Backend.Postgres, """{"created_at":{"$gte":"2025-01-01T00:00:00Z","$lt":"2025-06-01T12:00:00Z"}}""", "Apple|Banana")]
    [DataRow(Backend.Sqlite, """{"created_at":{"$gte":"2025-01-01T01:00:00+01:00"}}""", "Apple|apple pie|Banana")]
    [DataRow(Backend.Postgres, """{"created_at":{"$gte":"2025-01-01T01:00:00+01:00"}}""", "Apple|apple pie|Banana")]
    [DataRow(Backend.Sqlite, """{"qty":{"$in":[5,50,7]}}""", "Apple|50% off")]
    [DataRow(Backend.Postgres, """{"qty":{"$in":[5,50,7]}}""", "Apple|50% off")]
    [DataRow(Backend.Sqlite, """{"qty":{"$in":[5,null]}}""", "Apple|Banana")]
    [DataRow(Backend.Postgres, """{"qty":{"$in":[5,null]}}""", "Apple|Banana")]
    [DataRow(Backend.Sqlite, """{"qty":{"$nin":[5,50]}}""", "apple pie|a_b")]
    [DataRow(Backend.Postgres, """{"qty":{"$nin":[5,50]}}""", "apple pie|a_b")]
    [DataRow(Backend.Sqlite, """{"qty":{"$in":[]}}""", "")]
    [DataRow(Backend.Postgres, """{"qty":{"$in":[]}}""", "")]
    [DataRow(Backend.Sqlite, """{"qty":null}""", "Banana")]
    [DataRow(Backend.Postgres, """{"qty":null}""", "Banana")]
    [DataRow(Backend.Sqlite, """{"qty":{"$exists":false}}""", "Banana")]
    [DataRow(Backend.Postgres, """{"qty":{"$exists":false}}""", "Banana")]
    [DataRow(Backend.Sqlite, """{"score":{"$exists":true},"active":true}""", "Apple|Banana")]
    [DataRow(Backend.Postgres, """{"score":{"$exists":true},"active":true}""", "Apple|Banana")]
    [DataRow(Backend.Sqlite, """{"active":false}""", "apple pie|a_b")]
    [DataRow(Backend.Postgres, """{"active":false}""", "apple pie|a_b")]
    public async Task Comparison_operators_match_like_sql(string backend, string filters, string expected)
    {
        var names = await NamesAsync(backend, filters);
        Assert.AreEqual(Sorted(expected), Sorted(names), filters);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"apple%"}}""", "apple pie")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"apple%"}}""", "apple pie")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"A%"}}""", "Apple")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"A%"}}""", "Apple")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"%\\%%"}}""", "50% off")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"%\\%%"}}""", "50% off")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"a\\_b"}}""", "a_b")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"a\\_b"}}""", "a_b")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"a_b"}}""", "a_b")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"a_b"}}""", "a_b")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"_anana"}}""", "Banana")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"_anana"}}""", "Banana")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"*"}}""", "")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"*"}}""", "")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"[A]pple"}}""", "")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"[A]pple"}}""", "")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"App?e"}}""", "")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"App?e"}}""", "")]
    [DataRow(Backend.Sqlite, """{"name":{"$ilike":"APPLE%"}}""", "Apple|apple pie")]
    [DataRow(Backend.Postgres, """{"name":{"$ilike":"APPLE%"}}""", "Apple|apple pie")]
    public async Task Like_is_case_sensitive_with_backslash_escapes_and_ilike_is_not(string backend, string filters, string expected)
    {
        var names = await NamesAsync(backend, filters);
        Assert.AreEqual(Sorted(expected), Sorted(names), filters);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"$or":[{"qty":5},{"name":"Banana"}]}""", "Apple|Banana")]
    [DataRow(Backend.Postgres, """{"$or":[{"qty":5},{"name":"Banana"}]}""", "Apple|Banana")]
    [DataRow(Backend.Sqlite, """{"$and":[{"qty":{"$gte":5}},{"$or":[{"active":true},{"active":null}]}]}""", "Apple|50% off")]
    [DataRow(Backend.Postgres, """{"$and":[{"qty":{"$gte":5}},{"$or":[{"active":true},{"active":null}]}]}""", "Apple|50% off")]
    [DataRow(Backend.Sqlite, """{"$not":{"qty":{"$gt":5}},"qty":{"$exists":true}}""", "Apple|a_b")]
    [DataRow(Backend.Postgres, """{"$not":{"qty":{"$gt":5}},"qty":{"$exists":true}}""", "Apple|a_b")]
    [DataRow(Backend.Sqlite, """{"$not":{"$or":[{"name":{"$like":"%a%"}},{"qty":0}]}}""", "Apple|50% off")]
    [DataRow(Backend.Postgres, """{"$not":{"$or":[{"name":{"$like":"%a%"}},{"qty":0}]}}""", "Apple|50% off")]
    public async Task And_or_not_nest(string backend, string filters, string expected)
    {
        var names = await NamesAsync(backend, filters);
        Assert.AreEqual(Sorted(expected), Sorted(names), filters);
    }

    [TestMethod]
    [DataRow(Backend.Sqlite, """{"nope":1}""", "nope")]
    [DataRow(Backend.Postgres, """{"nope":1}""", "nope")]
    [DataRow(Backend.Sqlite, """{"qty":{"$regex":"x"}}""", "$regex")]
    [DataRow(Backend.Postgres, """{"qty":{"$regex":"x"}}""", "$regex")]
    [DataRow(Backend.Sqlite, """{"$nor":[]}""", "$nor")]
    [DataRow(Backend.Postgres, """{"$nor":[]}""", "$nor")]
    [DataRow(Backend.Sqlite, """{"$or":[]}""", "$or")]
    [DataRow(Backend.Postgres, """{"$or":[]}""", "$or")]
    [DataRow(Backend.Sqlite, """{"qty":"five"}""", "qty")]
    [DataRow(Backend.Postgres, """{"qty":"five"}""", "qty")]
    [DataRow(Backend.Sqlite, """{"qty":{"$like":"5%"}}""", "$like")]
    [DataRow(Backend.Postgres, """{"qty":{"$like":"5%"}}""", "$like")]
    [DataRow(Backend.Sqlite, """{"active":{"$gt":false}}""", "$gt")]
    [DataRow(Backend.Postgres, """{"active":{"$gt":false}}""", "$gt")]
    [DataRow(Backend.Sqlite, """{"tags":{"$eq":[1]}}""", "tags")]
    [DataRow(Backend.Postgres, """{"tags":{"$eq":[1]}}""", "tags")]
    [DataRow(Backend.Sqlite, """{"name":{"$like":"x\\"}}""", "escape")]
    [DataRow(Backend.Postgres, """{"name":{"$like":"x\\"}}""", "escape")]
    [DataRow(Backend.Sqlite, """{"created_at":{"$gt":"not a time"}}""", "created_at")]
    [DataRow(Backend.Postgres, """{"created_at":{"$gt":"not a time"}}""", "created_at")]
    [DataRow(Backend.Sqlite, """{"qty":{"$in":5}}""", "$in")]
    [DataRow(Backend.Postgres, """{"qty":{"$in":5}}""", "$in")]
    public async Task Bad_filters_are_invalid_requests_naming_the_field(string backend, string filters, string named)
    {
        var plugin = await SeedAsync(backend);
        await RowAssert.FailsAsync(StorageErrorCode.InvalidRequest, named, () =>
            TestBackends.Get<IRowStore>(backend).SearchAsync(plugin, new RowSearchRequest("items", Filters: Json(filters)), CancellationToken.None));
    }

    private static string Sorted(string names) =>
        string.Join("|", names.Split('|', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
}
