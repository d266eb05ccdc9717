namespace Storage.Client;

/// <summary>
/// <c>db.migrate.&lt;plugin&gt;</c>: apply, roll back and inspect the plugin's schema versions.
/// CONFLICT for an edited applied migration, MIGRATION_FAILED (nothing kept) for a failing script.
/// </summary>
public interface IMigrationsClient
{
    /// <summary>Applies the pending migrations in order, atomically; already applied ones (same checksum) are skipped.</summary>
    Task<MigrationApplyResponse> ApplyAsync(IEnumerable<Migration> migrations, bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies the migrations of a folder: <c>NNN_name.up.sql</c>, optional <c>NNN_name.down.sql</c>,
    /// per backend <c>NNN_name.up.postgres.sql</c> / <c>.up.sqlite.sql</c> (<see cref="MigrationFolder"/>).
    /// </summary>
    Task<MigrationApplyResponse> ApplyFolderAsync(string directory, bool dryRun = false, CancellationToken cancellationToken = default);

    /// <summary>Rolls back <paramref name="steps"/> migrations (default one), or every one applied after <paramref name="to"/>.</summary>
    Task<MigrationRollbackResponse> RollbackAsync(int? steps = null, string? to = null, CancellationToken cancellationToken = default);

    /// <summary>The current version and every applied migration in order.</summary>
    Task<MigrationStatusResponse> StatusAsync(CancellationToken cancellationToken = default);
}
