using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Nats;
using Storage.Migrations;

namespace Storage.Host.Endpoints;

/// <summary><c>db.migrate.&lt;plugin&gt;</c>: the tier answers the body (<see cref="MigrationRequests"/>); this only wires the subject.</summary>
internal sealed class MigrationEndpoints(IMigrator migrator) : IEndpointGroup
{
    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken) =>
        await dispatcher.AddEndpointAsync(service, "migrate", "db.migrate.*", isWrite: true,
            async (plugin, body, ct) => await MigrationRequests.HandleAsync(migrator, plugin, body, ct), cancellationToken);
}
