using System.Text.Json;
using Storage.Core;
using Storage.Migrations;

namespace Storage.Testing.Internal;

/// <summary><c>db.migrate.&lt;plugin&gt;</c> as the host answers it: dispatch on <c>action</c>, the same error for an unknown one.</summary>
internal sealed class MigrationHandler(IMigrator migrator)
{
    private static readonly MigrationsJsonContext Json = MigrationsJsonContext.Default;
    private static readonly string[] Actions = ["apply", "rollback", "status"];

    public async Task<byte[]> HandleAsync(PluginId plugin, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
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
