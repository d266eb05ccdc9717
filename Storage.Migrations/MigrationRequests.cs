using System.Text.Json;
using Storage.Core;

namespace Storage.Migrations;

/// <summary>
/// A <c>db.migrate.&lt;plugin&gt;</c> request body to its reply body: dispatch on <c>action</c> (apply,
/// rollback, status), an unknown one listing the valid ones. Transport-free, so the NATS host and the
/// in-process twin answer with the same bytes.
/// </summary>
public static class MigrationRequests
{
    private static readonly MigrationsJsonContext Json = MigrationsJsonContext.Default;
    private static readonly string[] Actions = ["apply", "rollback", "status"];

    public static async Task<byte[]> HandleAsync(IMigrator migrator, PluginId plugin, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migrator);
        var request = StorageJson.Deserialize(body.Span, Json.MigrationRequest);
        return request.Action switch
        {
            "apply" => JsonSerializer.SerializeToUtf8Bytes(
                await migrator.ApplyAsync(plugin, new MigrationApplyRequest(request.Migrations, request.DryRun), cancellationToken).ConfigureAwait(false), Json.MigrationApplyResponse),
            "rollback" => JsonSerializer.SerializeToUtf8Bytes(
                await migrator.RollbackAsync(plugin, new MigrationRollbackRequest(request.To, request.Steps), cancellationToken).ConfigureAwait(false), Json.MigrationRollbackResponse),
            "status" => JsonSerializer.SerializeToUtf8Bytes(await migrator.StatusAsync(plugin, cancellationToken).ConfigureAwait(false), Json.MigrationStatusResponse),
            _ => throw UnknownAction(request.Action),
        };
    }

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
