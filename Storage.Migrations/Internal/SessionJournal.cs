using System.Data;
using DbUp.Engine;

namespace Storage.Migrations.Internal;

/// <summary>DbUp's view of the plugin's journal: what the session read under the lock, and rows written through the session.</summary>
internal sealed class SessionJournal(MigrationSession session, IReadOnlyDictionary<string, PendingMigration> migrations) : IJournal
{
    public Dictionary<string, long> Durations { get; } = new(StringComparer.Ordinal);

    public string[] GetExecutedScripts() => session.Journal.Select(e => e.Version).ToArray();

    public void StoreExecutedScript(SqlScript script, Func<IDbCommand> dbCommandFactory)
    {
        var migration = migrations[script.Name];
        session.AddJournal(migration.Version, migration.Checksum, migration.Down, Durations.GetValueOrDefault(script.Name));
    }

    // The service creates the journal before the session opens, on a service connection.
    public void EnsureTableExistsAndIsLatestVersion(Func<IDbCommand> dbCommandFactory)
    {
    }
}
