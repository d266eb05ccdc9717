using Storage.Core;

namespace Storage.Migrations;

/// <summary>
/// Applies, rolls back and reports a plugin's schema migrations. Migration SQL runs with the plugin's
/// own privileges; the journal lives in the plugin's schema or file and only the service writes it.
/// Usable without NATS (dev tools, tests).
/// </summary>
public interface IMigrator
{
    /// <summary>
    /// Applies the pending migrations of the request, in the given order, all in one transaction.
    /// Raises INVALID_REQUEST (bad version or script), CONFLICT (an applied migration's <c>up</c>
    /// changed), MIGRATION_FAILED (a script failed; nothing was kept) or UNAVAILABLE.
    /// </summary>
    Task<MigrationApplyResponse> ApplyAsync(PluginId plugin, MigrationApplyRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the stored <c>down</c> scripts of the newest migrations, newest first, in one transaction.
    /// Raises INVALID_REQUEST (bad <c>to</c>/<c>steps</c>), MIGRATION_FAILED or UNAVAILABLE.
    /// </summary>
    Task<MigrationRollbackResponse> RollbackAsync(PluginId plugin, MigrationRollbackRequest request, CancellationToken cancellationToken);

    /// <summary>Lists the applied migrations in the order they were applied. Raises UNAVAILABLE.</summary>
    Task<MigrationStatusResponse> StatusAsync(PluginId plugin, CancellationToken cancellationToken);
}
