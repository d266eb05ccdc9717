using System.Diagnostics;
using NATS.Client.Services;
using Storage.Core;

namespace Storage.Host.Nats;

internal sealed partial class RequestDispatcher
{
    /// <summary>The micro endpoint metadata key that lists a tier endpoint's operations (comma-separated).</summary>
    public const string OperationsMetadataKey = "operations";

    /// <summary>
    /// Adds one endpoint for <paramref name="tier"/> on <c>db.&lt;tier&gt;.*.&gt;</c> that dispatches on the
    /// operation token; any other operation is answered INVALID_REQUEST listing the valid ones, after
    /// the plugin check and the tier's rate limit like every request. <c>$SRV.STATS</c> of the
    /// endpoint carries per-operation figures in <c>data.operations</c>.
    /// </summary>
    public ValueTask AddTierAsync(INatsSvcServer service, string tier, IReadOnlyList<TierOperation> operations, CancellationToken cancellationToken)
    {
        var names = operations.Select(o => o.Name).ToArray();
        var routes = new TierRoutes(
            tier,
            operations.Select(o => new Endpoint($"{tier}-{o.Name}", tier, o.IsWrite, DefaultPluginTokenIndex, o.Handler, o.Execution)),
            new Endpoint($"{tier}-{TierRoutes.UnknownOperation}", tier, IsWrite: false, DefaultPluginTokenIndex, Unreachable, RequestExecution.Inline, names));
        return service.AddEndpointAsync<ReadOnlyMemory<byte>>(
            msg => DispatchAsync(msg, routes.Resolve(msg.Subject), Stopwatch.GetTimestamp()),
            name: tier, subject: routes.Subject,
            metadata: new Dictionary<string, string> { [OperationsMetadataKey] = string.Join(',', names) },
            cancellationToken: cancellationToken);
    }

    // The unknown-operation endpoint is refused in DispatchAsync before any handler runs.
    private static ValueTask<byte[]> Unreachable(PluginId plugin, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The unknown-operation endpoint has no handler.");
}
