using Storage.Core;

namespace Storage.Rows.Internal;

internal sealed partial class RowStore
{
    public async Task<RowDescribeResponse> DescribeAsync(PluginId plugin, RowDescribeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Table is not null)
            await catalog.TableAsync(plugin, request.Table, cancellationToken).ConfigureAwait(false); // NOT_FOUND with a suggestion
        var tables = await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
            return await DescribeReader.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (request.Table is null)
            return new RowDescribeResponse(tables);
        return new RowDescribeResponse(tables.Where(t => t.Name == request.Table).ToList() is { Count: > 0 } one
            ? one
            : throw new StorageException(StorageErrorCode.NotFound, $"Table '{TableInfo.Shorten(request.Table)}' does not exist in plugin '{plugin}'.",
                new Dictionary<string, object?> { ["field"] = "table", ["table"] = TableInfo.Shorten(request.Table) }));
    }
}
