using Storage.Client;
using Storage.Testing;

[assembly: DoNotParallelize]

namespace Trivia.Tests;

/// <summary>
/// The plugin's storage for its tests: the in-process twin (real SQLite in a temp directory, no NATS),
/// or a real host when NATS_URL is set, connecting as TRIVIA_PLUGIN with TRIVIA_PASSWORD (CI runs both).
/// </summary>
internal static class TestStorage
{
    public static async Task<IStorageClient> StartAsync(string plugin)
    {
        if (Environment.GetEnvironmentVariable("NATS_URL") is not { Length: > 0 } url)
            return await InProcessStorage.StartAsync(plugin);
        var prefix = plugin.ToUpperInvariant().Replace('-', '_');
        var name = Environment.GetEnvironmentVariable(prefix + "_PLUGIN") ?? plugin;
        var password = Environment.GetEnvironmentVariable(prefix + "_PASSWORD");
        var storage = await StorageClient.ConnectAsync(name, new StorageClientOptions { Url = url, User = password is null ? null : name, Password = password });
        // A real host keeps data between runs: start from an empty schema, no game and no counter.
        var status = await storage.Migrations.StatusAsync();
        if (status.Applied.Count > 0)
            await storage.Migrations.RollbackAsync(steps: status.Applied.Count);
        await storage.Kv.DeleteAsync("game:active");
        await storage.Kv.DeleteAsync("games_won");
        return storage;
    }
}
