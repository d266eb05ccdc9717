using System.Text.Json;
using Storage.Core;

namespace Storage.Tests.Kv;

/// <summary>Small shorthands shared by the KV tests.</summary>
internal static class KvTestHelpers
{
    public static CancellationToken None => CancellationToken.None;

    public static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Runs <paramref name="action"/> and returns the StorageException it must raise with <paramref name="code"/>.</summary>
    public static async Task<StorageException> ExpectErrorAsync(StorageErrorCode code, Func<Task> action)
    {
        var error = await Assert.ThrowsExactlyAsync<StorageException>(action);
        Assert.AreEqual(code, error.Code, error.Message);
        return error;
    }
}
