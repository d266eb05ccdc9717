using Storage.Testing;

namespace Storage.Tests.Client;

/// <summary>The twin's own life cycle: a temporary directory of its own, plugins kept apart, bad names refused.</summary>
[TestClass]
public sealed class InProcessStorageTests
{
    [TestMethod]
    public async Task It_keeps_plugins_apart_and_deletes_its_directory_on_dispose()
    {
        var storage = await InProcessStorage.StartAsync("twin-a");
        var directory = storage.Directory;
        await using (var other = storage.ClientFor("twin-b"))
        {
            await storage.Kv.SetAsync("secret", "a's");

            Assert.IsNull(await other.Kv.GetAsync<string>("secret"));
            Assert.AreEqual("twin-b", other.Plugin);
        }
        Assert.IsTrue(Directory.Exists(directory));
        Assert.IsNotEmpty(Directory.GetFiles(directory, "*", SearchOption.AllDirectories), "the plugin's SQLite file is in the twin's directory");

        await storage.DisposeAsync();

        Assert.IsFalse(Directory.Exists(directory));
    }

    [TestMethod]
    [DataRow("quote.db")]
    [DataRow("db.>")]
    public async Task A_bad_plugin_name_is_invalid_request(string plugin)
    {
        var error = await Assert.ThrowsAsync<StorageException>(() => InProcessStorage.StartAsync(plugin));

        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
    }
}
