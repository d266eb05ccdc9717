namespace Storage.Client.Internal;

internal sealed class MigrationsClient(StorageClientCore core) : IMigrationsClient
{
    private static readonly MigrationsJsonContext Json = MigrationsJsonContext.Default;

    private string Subject => $"db.migrate.{core.Plugin}";

    public Task<MigrationApplyResponse> ApplyAsync(IEnumerable<Migration> migrations, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        var request = new MigrationRequest("apply", migrations.ToList(), dryRun ? true : null);
        return core.CallAsync(Subject, request, isWrite: !dryRun, Json.MigrationApplyResponse, cancellationToken);
    }

    public Task<MigrationApplyResponse> ApplyFolderAsync(string directory, bool dryRun = false, CancellationToken cancellationToken = default) =>
        ApplyAsync(MigrationFolder.Load(directory), dryRun, cancellationToken);

    public Task<MigrationRollbackResponse> RollbackAsync(int? steps = null, string? to = null, CancellationToken cancellationToken = default) =>
        core.CallAsync(Subject, new MigrationRequest("rollback", To: to, Steps: steps), isWrite: true, Json.MigrationRollbackResponse, cancellationToken);

    public Task<MigrationStatusResponse> StatusAsync(CancellationToken cancellationToken = default) =>
        core.CallAsync(Subject, new MigrationRequest("status"), isWrite: false, Json.MigrationStatusResponse, cancellationToken);
}
