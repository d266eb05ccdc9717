using System.Data;

namespace Storage.Migrations.Internal;

/// <summary>
/// One apply or rollback for one plugin: a transaction on a connection with the plugin's privileges,
/// holding the plugin's migration lock, plus the journal as it stood when the lock was taken.
/// Plugin scripts and journal writes share the transaction, so they commit together or not at all.
/// Disposing without <see cref="CommitAsync"/> rolls everything back.
/// </summary>
internal abstract class MigrationSession : IAsyncDisposable
{
    /// <summary>The committed journal, oldest first, read while holding the lock.</summary>
    public IReadOnlyList<JournalEntry> Journal { get; protected set; } = [];

    /// <summary>Runs plugin-written SQL (possibly several statements) with the plugin's privileges only.</summary>
    public abstract void RunScript(string sql, int timeoutSeconds);

    /// <summary>Records an applied migration; refuses if the plugin's scripts created a reserved (<c>_storage_</c>) name.</summary>
    public abstract void AddJournal(string version, string checksum, string? down, long durationMs);

    /// <summary>Removes a rolled-back migration; refuses if the down script created a reserved name.</summary>
    public abstract void RemoveJournal(string version);

    /// <summary>A command on the session's connection and transaction, for DbUp's connection manager.</summary>
    public abstract IDbCommand CreateCommand();

    public abstract Task CommitAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}
