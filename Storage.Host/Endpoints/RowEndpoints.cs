using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Nats;
using Storage.Rows;

namespace Storage.Host.Endpoints;

/// <summary><c>db.row.&lt;plugin&gt;.insert|select|search|update|delete</c>: parse, call the row tier, serialize.</summary>
internal sealed class RowEndpoints(IRowStore store) : IEndpointGroup
{
    private static readonly RowsJsonContext Json = RowsJsonContext.Default;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken)
    {
        await dispatcher.AddEndpointAsync(service, "row-insert", "db.row.*.insert", isWrite: true, async (plugin, body, ct) =>
            Reply(await store.InsertAsync(plugin, StorageJson.Deserialize(body.Span, Json.RowInsertRequest), ct), Json.RowInsertResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-select", "db.row.*.select", isWrite: false, async (plugin, body, ct) =>
            Reply(await store.SelectAsync(plugin, StorageJson.Deserialize(body.Span, Json.RowSelectRequest), ct), Json.RowSelectResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-search", "db.row.*.search", isWrite: false, async (plugin, body, ct) =>
            Reply(await store.SearchAsync(plugin, StorageJson.Deserialize(body.Span, Json.RowSearchRequest), ct), Json.RowSearchResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-update", "db.row.*.update", isWrite: true, async (plugin, body, ct) =>
            Reply(await store.UpdateAsync(plugin, StorageJson.Deserialize(body.Span, Json.RowUpdateRequest), ct), Json.RowUpdateResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-delete", "db.row.*.delete", isWrite: true, async (plugin, body, ct) =>
            Reply(await store.DeleteAsync(plugin, StorageJson.Deserialize(body.Span, Json.RowDeleteRequest), ct), Json.RowDeleteResponse), cancellationToken);
    }

    private static byte[] Reply<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}
