using NATS.Client.Services;
using Storage.Host.Nats;
using Storage.Rows;

namespace Storage.Host.Endpoints;

/// <summary><c>db.row.&lt;plugin&gt;.insert|select|search|update|delete|describe</c>: parse, call the row tier, serialize.</summary>
internal sealed class RowEndpoints(IRowStore store) : IEndpointGroup
{
    private static readonly RowsJsonContext Json = RowsJsonContext.Default;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken) =>
        await dispatcher.AddTierAsync(service, "row",
        [
            new("insert", IsWrite: true, JsonHandlers.Call(Json.RowInsertRequest, Json.RowInsertResponse, store.InsertAsync)),
            new("select", IsWrite: false, JsonHandlers.Call(Json.RowSelectRequest, Json.RowSelectResponse, store.SelectAsync)),
            new("search", IsWrite: false, JsonHandlers.Write(Json.RowSearchRequest, store.WriteSearchAsync)),
            new("update", IsWrite: true, JsonHandlers.Call(Json.RowUpdateRequest, Json.RowUpdateResponse, store.UpdateAsync)),
            new("delete", IsWrite: true, JsonHandlers.Call(Json.RowDeleteRequest, Json.RowDeleteResponse, store.DeleteAsync)),
            new("describe", IsWrite: false, JsonHandlers.Call(Json.RowDescribeRequest, Json.RowDescribeResponse, store.DescribeAsync)),
        ], cancellationToken);
}
