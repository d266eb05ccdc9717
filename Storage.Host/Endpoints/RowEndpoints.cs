using NATS.Client.Services;
using Storage.Host.Nats;
using Storage.Rows;

namespace Storage.Host.Endpoints;

/// <summary><c>db.row.&lt;plugin&gt;.insert|select|search|update|delete|describe</c>: parse, call the row tier, serialize.</summary>
internal sealed class RowEndpoints(IRowStore store) : IEndpointGroup
{
    private static readonly RowsJsonContext Json = RowsJsonContext.Default;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken)
    {
        await dispatcher.AddEndpointAsync(service, "row-insert", "db.row.*.insert", isWrite: true,
            JsonHandlers.Call(Json.RowInsertRequest, Json.RowInsertResponse, store.InsertAsync), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-select", "db.row.*.select", isWrite: false,
            JsonHandlers.Call(Json.RowSelectRequest, Json.RowSelectResponse, store.SelectAsync), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-search", "db.row.*.search", isWrite: false,
            JsonHandlers.Call(Json.RowSearchRequest, Json.RowSearchResponse, store.SearchAsync), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-update", "db.row.*.update", isWrite: true,
            JsonHandlers.Call(Json.RowUpdateRequest, Json.RowUpdateResponse, store.UpdateAsync), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-delete", "db.row.*.delete", isWrite: true,
            JsonHandlers.Call(Json.RowDeleteRequest, Json.RowDeleteResponse, store.DeleteAsync), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "row-describe", "db.row.*.describe", isWrite: false,
            JsonHandlers.Call(Json.RowDescribeRequest, Json.RowDescribeResponse, store.DescribeAsync), cancellationToken);
    }
}
