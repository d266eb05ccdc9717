using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Storage.Client.Internal;

internal sealed class KvClient(StorageClientCore core) : IKvClient
{
    private static readonly KvJsonContext Json = KvJsonContext.Default;

    public async Task<long> SetAsync<T>(string key, T value, TimeSpan? ttl = null, bool ifAbsent = false, long? ifRevision = null, CancellationToken cancellationToken = default)
    {
        var element = JsonSerializer.SerializeToElement(value, core.Json);
        var request = new KvSetRequest(key, element, Seconds(ttl), ifAbsent ? true : null, ifRevision);
        return (await core.CallAsync(core.Subject("kv", "set"), request, isWrite: true, Json.KvSetResponse, cancellationToken).ConfigureAwait(false)).Revision;
    }

    public async Task<KvEntry<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        var reply = await core.CallAsync(core.Subject("kv", "get"), new KvGetRequest(key), isWrite: false, Json.KvGetResponse, cancellationToken).ConfigureAwait(false);
        if (!reply.Exists)
            return null;
        var value = reply.Value is { } element ? element.Deserialize<T>(core.Json) : default;
        return new KvEntry<T>(value!, reply.Revision ?? 0, reply.ExpiresAt);
    }

    public async Task<long> IncrAsync(string key, long by = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        (await core.CallAsync(core.Subject("kv", "incr"), new KvIncrRequest(key, by, Seconds(ttl)), isWrite: true, Json.KvIncrResponse, cancellationToken).ConfigureAwait(false)).Value;

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        (await core.CallAsync(core.Subject("kv", "delete"), new KvDeleteRequest(key), isWrite: true, Json.KvDeleteResponse, cancellationToken).ConfigureAwait(false)).Deleted;

    public async IAsyncEnumerable<string> ListAsync(string? prefix = null, int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? after = null;
        do
        {
            var page = await core.CallAsync(core.Subject("kv", "list"), new KvListRequest(prefix, pageSize, after), isWrite: false, Json.KvListResponse, cancellationToken).ConfigureAwait(false);
            foreach (var key in page.Keys)
                yield return key;
            after = page.Truncated ? page.Next : null;
        }
        while (after is not null);
    }

    // The contract takes whole seconds >= 1; anything else would be rounded or mean "never expires", so it is refused here.
    private static long? Seconds(TimeSpan? ttl)
    {
        if (ttl is not { } value)
            return null;
        if (value < TimeSpan.FromSeconds(1) || value.Ticks % TimeSpan.TicksPerSecond != 0)
            throw StorageException.OutOfRange("ttl", "whole seconds >= 1 (or null for no expiry)", value);
        return (long)value.TotalSeconds;
    }
}
