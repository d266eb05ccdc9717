using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Kv;
using Storage.Sql;

namespace Storage.Tests.Embedding;

/// <summary>
/// README's "Embedding" snippet, verbatim between the markers (EmbeddingTests checks that README
/// shows exactly these lines, and runs them): no host, no NATS, no AddLogging.
/// </summary>
internal static class EmbeddingSnippet
{
    public static async Task<string> RunAsync(string directory)
    {
        // README:embedding:begin
        var services = new ServiceCollection();
        services.AddPluginStorage(o => o.Sqlite.Directory = directory).AddKv().AddSql();
        await using var provider = services.BuildServiceProvider();

        var plugin = PluginId.Parse("quote-db");
        var kv = provider.GetRequiredService<IKvStore>();
        await kv.SetAsync(plugin, new KvSetRequest("greeting", JsonDocument.Parse("\"hello\"").RootElement), default);
        var sql = provider.GetRequiredService<ISqlRunner>();
        var reply = await sql.QueryAsync(plugin, new SqlQueryRequest("SELECT 1 + 1 AS two"), default);
        Console.WriteLine($"{(await kv.GetAsync(plugin, new KvGetRequest("greeting"), default)).Value} {reply.Rows}");
        // README:embedding:end
        return $"{(await kv.GetAsync(plugin, new KvGetRequest("greeting"), default)).Value} {reply.Rows}";
    }
}
