using System.Text.Json;

namespace Storage.Client.Internal;

internal sealed class SqlClient(StorageClientCore core) : ISqlClient
{
    private static readonly SqlJsonContext Json = SqlJsonContext.Default;

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null, CancellationToken cancellationToken = default)
    {
        var reply = await QueryAsync(sql, parameters, null, cancellationToken).ConfigureAwait(false);
        return reply.Rows.Deserialize<List<T>>(core.Json) ?? [];
    }

    public Task<SqlQueryResponse> QueryAsync(string sql, object? parameters = null, SqlQueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = new SqlQueryRequest(sql, WireValues.Parameters(parameters), options?.AllowWrite == true ? true : null,
            options?.TimeoutMs, options?.MaxRows, options?.Explain == true ? true : null);
        return core.CallAsync(core.Subject("sql", "query"), request, isWrite: options?.AllowWrite == true, Json.SqlQueryResponse, cancellationToken);
    }

    public async Task<int> ExecuteAsync(string sql, object? parameters = null, CancellationToken cancellationToken = default) =>
        (await QueryAsync(sql, parameters, new SqlQueryOptions { AllowWrite = true }, cancellationToken).ConfigureAwait(false)).RowCount;
}
