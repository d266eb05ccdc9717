using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Nats;
using Storage.Sql;

namespace Storage.Host.Endpoints;

/// <summary><c>db.sql.&lt;plugin&gt;.query|stats</c>: parse, call the SQL tier, serialize.</summary>
internal sealed class SqlEndpoints(ISqlRunner runner) : IEndpointGroup
{
    private static readonly SqlJsonContext Json = SqlJsonContext.Default;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken) =>
        await dispatcher.AddTierAsync(service, "sql",
        [
            // A query may write (allow_write), so it gets request_id idempotency like every write.
            new("query", IsWrite: true, JsonHandlers.Write(Json.SqlQueryRequest, runner.WriteQueryAsync)),
            new("stats", IsWrite: false, (plugin, body, ct) =>
            {
                StorageJson.Deserialize(body.Span, Json.SqlStatsRequest);
                return ValueTask.FromResult(JsonHandlers.Serialize(runner.Stats(plugin), Json.SqlStatsResponse));
            }),
        ], cancellationToken);
}
