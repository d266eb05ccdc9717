using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Nats;
using Storage.Kv;

namespace Storage.Host.Endpoints;

/// <summary><c>db.kv.&lt;plugin&gt;.set|get|delete|list|incr</c>: parse, call the KV tier, serialize.</summary>
internal sealed class KvEndpoints(IKvStore store) : IEndpointGroup
{
    private static readonly KvJsonContext Json = KvJsonContext.Default;

    // KV handlers only validate, touch prepared statements or queue a write: cheap enough to start inline.
    private const RequestExecution Inline = RequestExecution.Inline;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken)
    {
        await dispatcher.AddEndpointAsync(service, "kv-set", "db.kv.*.set", isWrite: true, async (plugin, body, ct) =>
            Reply(await store.SetAsync(plugin, StorageJson.Deserialize(body.Span, Json.KvSetRequest), ct), Json.KvSetResponse), Inline, cancellationToken);
        await dispatcher.AddEndpointAsync(service, "kv-get", "db.kv.*.get", isWrite: false, async (plugin, body, ct) =>
            Reply(await store.GetAsync(plugin, StorageJson.Deserialize(body.Span, Json.KvGetRequest), ct), Json.KvGetResponse), Inline, cancellationToken);
        await dispatcher.AddEndpointAsync(service, "kv-delete", "db.kv.*.delete", isWrite: true, async (plugin, body, ct) =>
            Reply(await store.DeleteAsync(plugin, StorageJson.Deserialize(body.Span, Json.KvDeleteRequest), ct), Json.KvDeleteResponse), Inline, cancellationToken);
        await dispatcher.AddEndpointAsync(service, "kv-list", "db.kv.*.list", isWrite: false, async (plugin, body, ct) =>
            Reply(await store.ListAsync(plugin, StorageJson.Deserialize(body.Span, Json.KvListRequest), ct), Json.KvListResponse), Inline, cancellationToken);
        await dispatcher.AddEndpointAsync(service, "kv-incr", "db.kv.*.incr", isWrite: true, async (plugin, body, ct) =>
            Reply(await store.IncrAsync(plugin, StorageJson.Deserialize(body.Span, Json.KvIncrRequest), ct), Json.KvIncrResponse), Inline, cancellationToken);
    }

    private static byte[] Reply<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}
