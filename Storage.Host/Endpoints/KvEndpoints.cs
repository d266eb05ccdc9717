using NATS.Client.Services;
using Storage.Host.Nats;
using Storage.Kv;

namespace Storage.Host.Endpoints;

/// <summary><c>db.kv.&lt;plugin&gt;.set|get|delete|list|incr</c>: parse, call the KV tier, serialize.</summary>
internal sealed class KvEndpoints(IKvStore store) : IEndpointGroup
{
    private static readonly KvJsonContext Json = KvJsonContext.Default;

    // KV handlers only validate, touch prepared statements or queue a write: cheap enough to start inline.
    private const RequestExecution Inline = RequestExecution.Inline;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken) =>
        await dispatcher.AddTierAsync(service, "kv",
        [
            new("set", IsWrite: true, JsonHandlers.Call(Json.KvSetRequest, Json.KvSetResponse, store.SetAsync), Inline),
            new("get", IsWrite: false, JsonHandlers.Write(Json.KvGetRequest, store.WriteGetAsync), Inline),
            new("delete", IsWrite: true, JsonHandlers.Call(Json.KvDeleteRequest, Json.KvDeleteResponse, store.DeleteAsync), Inline),
            new("list", IsWrite: false, JsonHandlers.Call(Json.KvListRequest, Json.KvListResponse, store.ListAsync), Inline),
            new("incr", IsWrite: true, JsonHandlers.Call(Json.KvIncrRequest, Json.KvIncrResponse, store.IncrAsync), Inline),
        ], cancellationToken);
}
