using Storage.Client;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Client;

/// <summary>
/// One behaviour suite for every <see cref="IStorageClient"/>: the NATS host on SQLite and on PostgreSQL,
/// and the in-process twin. Each concrete class only says how to get a client; the cases are here, so
/// the implementations cannot drift apart.
/// </summary>
public abstract partial class StorageClientBehaviour
{
    /// <summary>A client for <paramref name="plugin"/>; <paramref name="wrap"/> (when given) wraps its transport.</summary>
    private protected abstract Task<IStorageClient> ConnectAsync(string plugin, StorageClientOptions options, Func<IStorageTransport, IStorageTransport>? wrap = null);

    private static string NewPlugin() => TestPlugins.New("cli").Value;

    private static StorageClientOptions Options(TimeProvider? clock = null) => new()
    {
        RequestTimeout = TimeSpan.FromSeconds(30),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        TimeProvider = clock ?? new RecordingDelays(),
    };

    private Task<IStorageClient> ClientAsync() => ConnectAsync(NewPlugin(), Options());

    private sealed record Note(string Title, int Stars, IReadOnlyList<string> Tags, bool Done);

    [TestMethod]
    public async Task Kv_set_then_get_returns_the_typed_value_and_revision()
    {
        await using var storage = await ClientAsync();
        var note = new Note("first \"quoted\" ünïcode", 5, ["a", "b"], Done: true);

        var first = await storage.Kv.SetAsync("note", note);
        var second = await storage.Kv.SetAsync("note", note with { Stars = 4 });
        var entry = await storage.Kv.GetAsync<Note>("note");

        Assert.IsNotNull(entry);
        Assert.AreEqual(note.Title, entry.Value.Title);
        CollectionAssert.AreEqual(new[] { "a", "b" }, entry.Value.Tags.ToArray());
        Assert.AreEqual(4, entry.Value.Stars);
        Assert.IsGreaterThan(first, second);
        Assert.AreEqual(second, entry.Revision);
        Assert.IsNull(entry.ExpiresAt);
        Assert.IsNull(await storage.Kv.GetAsync<Note>("missing"));
    }

    [TestMethod]
    public async Task Kv_ttl_sets_an_expiry_and_a_fractional_ttl_is_refused_before_sending()
    {
        await using var storage = await ClientAsync();
        var before = DateTimeOffset.UtcNow;

        await storage.Kv.SetAsync("session", "x", ttl: TimeSpan.FromMinutes(5));
        var entry = await storage.Kv.GetAsync<string>("session");

        Assert.IsNotNull(entry?.ExpiresAt);
        Assert.IsTrue(entry.ExpiresAt > before.AddMinutes(4) && entry.ExpiresAt < before.AddMinutes(6), $"expires at {entry.ExpiresAt}");
        var error = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("session", "x", ttl: TimeSpan.FromMilliseconds(1500)));
        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual("ttl", error.Details["field"]);
    }

    [TestMethod]
    public async Task Kv_incr_counts_and_a_non_integer_value_is_conflict()
    {
        await using var storage = await ClientAsync();

        Assert.AreEqual(1, await storage.Kv.IncrAsync("hits"));
        Assert.AreEqual(11, await storage.Kv.IncrAsync("hits", by: 10));
        Assert.AreEqual(11, (await storage.Kv.GetAsync<long>("hits"))!.Value);
        await storage.Kv.SetAsync("name", "ann");
        var error = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.IncrAsync("name"));
        Assert.AreEqual(StorageErrorCode.Conflict, error.Code);
        Assert.IsTrue(await storage.Kv.DeleteAsync("hits"));
        Assert.IsFalse(await storage.Kv.DeleteAsync("hits"));
    }

    [TestMethod]
    public async Task Kv_list_follows_next_across_pages_in_key_order()
    {
        await using var storage = await ClientAsync();
        var keys = Enumerable.Range(0, 23).Select(i => $"user:{i:D2}").ToList();
        foreach (var key in keys)
            await storage.Kv.SetAsync(key, 1);
        await storage.Kv.SetAsync("other", 1);

        var listed = new List<string>();
        await foreach (var key in storage.Kv.ListAsync(prefix: "user:", pageSize: 5))
            listed.Add(key);

        CollectionAssert.AreEqual(keys, listed);
    }

    [TestMethod]
    public async Task Kv_if_absent_on_an_existing_key_is_conflict()
    {
        await using var storage = await ClientAsync();
        var revision = await storage.Kv.SetAsync("lock", "me", ifAbsent: true);

        var error = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("lock", "you", ifAbsent: true));

        Assert.AreEqual(StorageErrorCode.Conflict, error.Code);
        Assert.AreEqual(StorageErrorCode.Conflict, (await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("lock", "you", ifRevision: revision + 1000))).Code);
        Assert.IsGreaterThan(revision, await storage.Kv.SetAsync("lock", "you", ifRevision: revision));
    }
}
