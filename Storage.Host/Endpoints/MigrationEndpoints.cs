using System.Text.Json;
using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Nats;
using Storage.Migrations;

namespace Storage.Host.Endpoints;

/// <summary><c>db.migrate.&lt;plugin&gt;</c>: parse, dispatch on <c>action</c> (apply, rollback, status), call the tier, serialize.</summary>
internal sealed class MigrationEndpoints(IMigrator migrator) : IEndpointGroup
{
    private static readonly MigrationsJsonContext Json = MigrationsJsonContext.Default;
    private static readonly string[] Actions = ["apply", "rollback", "status"];

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken) =>
        await dispatcher.AddEndpointAsync(service, "migrate", "db.migrate.*", isWrite: true, async (plugin, body, ct) =>
        {
            var request = StorageJson.Deserialize(body.Span, Json.MigrationRequest);
            return request.Action switch
            {
                "apply" => JsonSerializer.SerializeToUtf8Bytes(
                    await migrator.ApplyAsync(plugin, new MigrationApplyRequest(request.Migrations, request.DryRun), ct), Json.MigrationApplyResponse),
                "rollback" => JsonSerializer.SerializeToUtf8Bytes(
                    await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(request.To, request.Steps), ct), Json.MigrationRollbackResponse),
                "status" => JsonSerializer.SerializeToUtf8Bytes(await migrator.StatusAsync(plugin, ct), Json.MigrationStatusResponse),
                _ => throw UnknownAction(request.Action),
            };
        }, cancellationToken);

    // The migration tier's operations are its actions: an unknown one lists them, like an unknown operation of another tier.
    private static StorageException UnknownAction(string? action)
    {
        var suggestion = action is null ? null : Suggest.Closest(action, Actions);
        var message = action is null
            ? "Field 'action' is required: \"apply\", \"rollback\" or \"status\"."
            : $"Field 'action' must be \"apply\", \"rollback\" or \"status\"; got \"{action}\".{Suggest.Hint(suggestion)}";
        return new StorageException(StorageErrorCode.InvalidRequest, message,
            Suggest.With(new Dictionary<string, object?> { ["field"] = "action", ["operations"] = Actions }, suggestion));
    }
}
