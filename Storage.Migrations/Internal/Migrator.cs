using DbUp.Builder;
using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.ScriptProviders;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>
/// Applies migrations with DbUp (ordering, skipping what the journal holds, running and journaling
/// each script) on a <see cref="MigrationSession"/>; rollback runs the stored down scripts itself.
/// </summary>
internal sealed class Migrator(IPluginDatabase database, IOptions<MigrationOptions> options, IPluginChangeNotifier changes, PostgresMigrationSetup postgres) : IMigrator
{
    private readonly MigrationOptions _options = options.Value;

    public async Task<MigrationApplyResponse> ApplyAsync(PluginId plugin, MigrationApplyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var migrations = MigrationValidation.Apply(request, database.Provider, _options.MaxMigrationsPerRequest);
        MigrationApplyResponse response;
        await using (var session = await OpenAsync(plugin, cancellationToken).ConfigureAwait(false))
            response = await ApplyAsync(session, request, migrations, cancellationToken).ConfigureAwait(false);
        // After the session gave its connections back: waiting for the other hosts holds none.
        if (response.Applied.Count > 0 && response.DryRun is null)
            await changes.ChangedAsync(plugin, PluginChange.Schema, cancellationToken).ConfigureAwait(false);
        return response;
    }

    private async Task<MigrationApplyResponse> ApplyAsync(MigrationSession session, MigrationApplyRequest request, IReadOnlyList<PendingMigration> migrations, CancellationToken cancellationToken)
    {
        var applied = session.Journal.ToDictionary(e => e.Version, StringComparer.Ordinal);
        foreach (var migration in migrations)
        {
            if (applied.TryGetValue(migration.Version, out var entry) && entry.Checksum != migration.Checksum)
                throw new StorageException(StorageErrorCode.Conflict,
                    $"Migration '{migration.Version}' was applied with a different 'up' script (checksum {entry.Checksum}, now {migration.Checksum}); applied migrations cannot change. Nothing was applied.",
                    new Dictionary<string, object?> { ["version"] = migration.Version, ["applied_checksum"] = entry.Checksum, ["checksum"] = migration.Checksum });
        }
        var current = session.Journal.Count == 0 ? null : session.Journal[^1].Version;
        if (migrations.All(m => applied.ContainsKey(m.Version)))
            return new MigrationApplyResponse([], current, request.DryRun == true ? true : null);

        var executed = await OffThePoolAsync(() => Upgrade(session, migrations)).ConfigureAwait(false);
        if (request.DryRun == true)
            return new MigrationApplyResponse(executed, executed[^1], DryRun: true); // Disposing the session rolls back.
        await session.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new MigrationApplyResponse(executed, executed[^1]);
    }

    public async Task<MigrationRollbackResponse> RollbackAsync(PluginId plugin, MigrationRollbackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.To is not null && request.Steps is not null)
            throw StorageException.InvalidField("steps", "Give either 'to' or 'steps', not both.");
        if (request.Steps is < 1)
            throw StorageException.OutOfRange("steps", "at least 1", request.Steps);
        var to = request.To is null ? null : MigrationValidation.Version(request.To, "to");
        MigrationRollbackResponse response;
        await using (var session = await OpenAsync(plugin, cancellationToken).ConfigureAwait(false))
            response = await RollbackAsync(session, request, to, cancellationToken).ConfigureAwait(false);
        if (response.RolledBack.Count > 0)
            await changes.ChangedAsync(plugin, PluginChange.Schema, cancellationToken).ConfigureAwait(false);
        return response;
    }

    private async Task<MigrationRollbackResponse> RollbackAsync(MigrationSession session, MigrationRollbackRequest request, string? to, CancellationToken cancellationToken)
    {
        var journal = session.Journal;
        int keep;
        if (to is not null)
        {
            keep = journal.Select(e => e.Version).ToList().IndexOf(to) + 1;
            if (keep == 0)
                throw new StorageException(StorageErrorCode.InvalidRequest, $"Field 'to' names version '{to}', which is not applied.",
                    new Dictionary<string, object?> { ["field"] = "to", ["actual"] = to });
        }
        else
        {
            var steps = request.Steps ?? 1;
            if (request.Steps is not null && steps > journal.Count)
                throw StorageException.OutOfRange("steps", $"at most {journal.Count} (the number of applied migrations)", steps);
            keep = Math.Max(0, journal.Count - steps);
        }
        var undo = journal.Skip(keep).Reverse().ToList();
        if (undo.FirstOrDefault(e => MigrationOpsCompiler.Irreversible(e.Down) is not null) is { } irreversible)
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Migration '{irreversible.Version}' cannot be rolled back: {MigrationOpsCompiler.Irreversible(irreversible.Down)} is not reversible and the migration has no 'down'. Nothing was rolled back.",
                new Dictionary<string, object?> { ["field"] = "down", ["version"] = irreversible.Version, ["op"] = MigrationOpsCompiler.Irreversible(irreversible.Down) });
        if (undo.FirstOrDefault(e => e.Down is null) is { } missing)
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Migration '{missing.Version}' was applied without a 'down' script, so it cannot be rolled back. Nothing was rolled back.",
                new Dictionary<string, object?> { ["field"] = "down", ["version"] = missing.Version });
        await OffThePoolAsync(() =>
        {
            foreach (var entry in undo)
            {
                try
                {
                    if (!string.IsNullOrWhiteSpace(entry.Down))
                        session.RunScript(entry.Down, _options.ScriptTimeoutSeconds);
                    session.RemoveJournal(entry.Version);
                }
                catch (Exception ex)
                {
                    throw Failed(entry.Version, ex, "rollback of migration");
                }
            }
            return 0;
        }).ConfigureAwait(false);
        if (undo.Count > 0)
            await session.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new MigrationRollbackResponse(undo.Select(e => e.Version).ToList(), keep == 0 ? null : journal[keep - 1].Version);
    }

    public async Task<MigrationStatusResponse> StatusAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var journal = database.Provider == StorageProvider.Postgres
            ? await PostgresMigrationSession.ReadJournalAsync(database, postgres, plugin, cancellationToken).ConfigureAwait(false)
            : await SqliteMigrationSession.ReadJournalAsync(database, plugin, cancellationToken).ConfigureAwait(false);
        return new MigrationStatusResponse(
            journal.Count == 0 ? null : journal[^1].Version,
            journal.Select(e => new AppliedMigration(e.Version, e.Checksum, e.AppliedAt, e.DurationMs)).ToList());
    }

    private async Task<MigrationSession> OpenAsync(PluginId plugin, CancellationToken cancellationToken) =>
        database.Provider == StorageProvider.Postgres
            ? await PostgresMigrationSession.OpenAsync(database, postgres, plugin, _options.LockTimeoutSeconds, cancellationToken).ConfigureAwait(false)
            : await SqliteMigrationSession.OpenAsync(database, plugin, _options.LockTimeoutSeconds, cancellationToken).ConfigureAwait(false);

    // DbUp's engine and the scripts it runs are synchronous, and a plugin's script may run for up to
    // ScriptTimeoutSeconds: on a thread of its own it cannot take the shared pool's few threads (two on
    // two cores) from every other plugin's requests. Such threads are bounded by the processing slots.
    private static Task<T> OffThePoolAsync<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private List<string> Upgrade(MigrationSession session, IReadOnlyList<PendingMigration> migrations)
    {
        var journal = new SessionJournal(session, migrations.ToDictionary(m => m.Version, StringComparer.Ordinal));
        var executor = new SessionScriptExecutor(session, journal, _options.ScriptTimeoutSeconds);
        var configuration = new UpgradeConfiguration
        {
            ConnectionManager = new SessionConnectionManager(session),
            Journal = journal,
            ScriptExecutor = executor,
            VariablesEnabled = false, // $name$ substitution would corrupt PostgreSQL dollar quoting.
        };
        configuration.AddLog(new NoOpUpgradeLog());
        // RunGroupOrder keeps the request's order; DbUp would otherwise sort by name.
        configuration.ScriptProviders.Add(new StaticScriptProvider(
            migrations.Select((m, i) => new SqlScript(m.Version, m.Up, new SqlScriptOptions { RunGroupOrder = i }))));
        var result = new UpgradeEngine(configuration).PerformUpgrade();
        if (!result.Successful)
            throw Failed(executor.Current ?? "?", result.Error, "migration");
        return result.Scripts.Select(s => s.Name).ToList();
    }

    private static StorageException Failed(string version, Exception error, string what)
    {
        var translated = ProviderErrors.Translate(error);
        if (translated is null)
            return new StorageException(StorageErrorCode.Internal, "The migration failed unexpectedly.", null, error);
        if (translated.Code == StorageErrorCode.Unavailable)
            return translated;
        var details = new Dictionary<string, object?>(translated.Details) { ["version"] = version };
        // A code we have no mapping for still carries the database's own message, which the plugin needs.
        var message = translated.Code == StorageErrorCode.Internal ? ProviderErrors.DatabaseMessage(error) + "." : translated.Message;
        return new StorageException(StorageErrorCode.MigrationFailed, $"The {what} '{version}' failed and nothing was kept: {message}", details, error);
    }
}
