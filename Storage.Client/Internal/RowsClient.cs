using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Storage.Client.Internal;

internal sealed class RowsClient(StorageClientCore core) : IRowsClient
{
    private static readonly RowsJsonContext Json = RowsJsonContext.Default;

    public async Task<RowId> InsertAsync<T>(string table, T row, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("insert", new RowInsertRequest(table, JsonSerializer.SerializeToElement(row, core.Json)), true, Json.RowInsertResponse, cancellationToken).ConfigureAwait(false);
        return RowId.From(reply.Id);
    }

    public async Task<IReadOnlyList<RowId>> InsertManyAsync<T>(string table, IEnumerable<T> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var data = JsonSerializer.SerializeToElement(rows.ToList(), core.Json);
        var reply = await CallAsync("insert", new RowInsertRequest(table, data), true, Json.RowInsertResponse, cancellationToken).ConfigureAwait(false);
        return reply.Ids?.Select(RowId.From).ToList() ?? [];
    }

    public async Task<T?> GetAsync<T>(string table, object id, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("select", new RowSelectRequest(table, Id: Value(id)), false, Json.RowSelectResponse, cancellationToken).ConfigureAwait(false);
        return reply.Exists == true && reply.Row is { } row ? row.Deserialize<T>(core.Json) : default;
    }

    public async Task<IReadOnlyList<T>> GetManyAsync<T>(string table, IEnumerable<object> ids, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync("select", new RowSelectRequest(table, Ids: WireValues.Element(WireValues.List(ids))), false, Json.RowSelectResponse, cancellationToken).ConfigureAwait(false);
        return Typed<T>(reply.Rows);
    }

    public async Task<IReadOnlyList<T>> SelectAsync<T>(string table, Filter filter, int? random = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var reply = await CallAsync("select", new RowSelectRequest(table, Filters: WireValues.Element(filter.ToJson()), Random: random), false, Json.RowSelectResponse, cancellationToken).ConfigureAwait(false);
        return Typed<T>(reply.Rows);
    }

    public async Task<RowPage<T>> SearchAsync<T>(string table, RowSearch? search = null, CancellationToken cancellationToken = default)
    {
        search ??= new RowSearch();
        var request = new RowSearchRequest(table,
            search.Where is { IsAll: false } where ? WireValues.Element(where.ToJson()) : null,
            search.OrderBy is { Count: > 0 } order ? WireValues.Element(SortJson(order)) : null,
            search.Limit, search.Offset, search.After, search.Fields, search.Count ? true : null);
        var reply = await CallAsync("search", request, false, Json.RowSearchResponse, cancellationToken).ConfigureAwait(false);
        return new RowPage<T>(Typed<T>(reply.Rows), reply.Truncated, reply.Next, reply.Total);
    }

    public async IAsyncEnumerable<T> SearchAllAsync<T>(string table, RowSearch? search = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        search ??= new RowSearch();
        while (true)
        {
            var page = await SearchAsync<T>(table, search, cancellationToken).ConfigureAwait(false);
            foreach (var row in page.Rows)
                yield return row;
            if (!page.Truncated || page.Next is null)
                yield break;
            // Keyset paging continues from the cursor; an offset applied to the first page only.
            search = search with { After = page.Next, Offset = null, Count = false };
        }
    }

    public Task<RowUpdateResponse> UpdateAsync(string table, object id, Update update, bool upsert = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return CallAsync("update", new RowUpdateRequest(table, Id: Value(id), Operations: WireValues.Element(update.ToJson()), Upsert: upsert ? true : null),
            true, Json.RowUpdateResponse, cancellationToken);
    }

    public Task<RowUpdateResponse> UpdateAsync(string table, Filter filter, Update update, bool upsert = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(update);
        return CallAsync("update", new RowUpdateRequest(table, Filters: WireValues.Element(filter.ToJson()), Operations: WireValues.Element(update.ToJson()),
            Upsert: upsert ? true : null, All: filter.IsAll ? true : null), true, Json.RowUpdateResponse, cancellationToken);
    }

    public async Task<long> DeleteAsync(string table, object id, CancellationToken cancellationToken = default) =>
        (await CallAsync("delete", new RowDeleteRequest(table, Id: Value(id)), true, Json.RowDeleteResponse, cancellationToken).ConfigureAwait(false)).Deleted;

    public async Task<long> DeleteAsync(string table, Filter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var request = new RowDeleteRequest(table, Filters: WireValues.Element(filter.ToJson()), All: filter.IsAll ? true : null);
        return (await CallAsync("delete", request, true, Json.RowDeleteResponse, cancellationToken).ConfigureAwait(false)).Deleted;
    }

    public Task<RowDescribeResponse> DescribeAsync(string? table = null, CancellationToken cancellationToken = default) =>
        CallAsync("describe", new RowDescribeRequest(table), false, Json.RowDescribeResponse, cancellationToken);

    private Task<TReply> CallAsync<TRequest, TReply>(string operation, TRequest request, bool isWrite, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TReply> reply, CancellationToken cancellationToken) =>
        core.CallAsync(core.Subject("row", operation), request, isWrite, reply, cancellationToken);

    private List<T> Typed<T>(IReadOnlyList<JsonObject>? rows) => rows?.Select(r => r.Deserialize<T>(core.Json)!).ToList() ?? [];

    private static JsonElement Value(object id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return WireValues.Element(WireValues.Node(id));
    }

    private static JsonArray SortJson(IEnumerable<Sort> order) =>
        [.. order.Select(s => (JsonNode)new JsonObject { ["field"] = s.Field, ["order"] = s.Descending ? "desc" : "asc" })];
}
