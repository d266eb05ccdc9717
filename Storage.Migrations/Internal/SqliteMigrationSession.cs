using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;

namespace Storage.Migrations.Internal;

/// <summary>
/// SQLite: scripts and journal rows share one <c>BEGIN IMMEDIATE</c> transaction on the plugin's
/// connection (the write lock serializes applies across processes). The authorizer keeps plugin
/// scripts away from the journal and from transaction control; the service's own statements are
/// prepared while the authorizer is switched to trusted, never while plugin SQL is prepared.
/// </summary>
internal sealed class SqliteMigrationSession : MigrationSession
{
    private const string ReservedNamesSql = "SELECT name FROM sqlite_schema WHERE name LIKE '\\_storage\\_%' ESCAPE '\\' ORDER BY name";
    private readonly PluginConnection _plugin;
    private readonly SqliteAuthorizer _authorizer;
    private readonly SqliteTransaction _transaction;
    private readonly string _reservedNames;

    private SqliteMigrationSession(PluginConnection plugin, SqliteAuthorizer authorizer, SqliteTransaction transaction, string reservedNames)
    {
        _plugin = plugin;
        _authorizer = authorizer;
        _transaction = transaction;
        _reservedNames = reservedNames;
    }

    public static async Task<SqliteMigrationSession> OpenAsync(IPluginDatabase database, PluginId plugin, int lockTimeoutSeconds, CancellationToken cancellationToken)
    {
        // The journal is created by the service before any plugin script runs, so no plugin can claim the name first.
        await (await OpenServiceWithJournalAsync(database, plugin, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);

        var connection = await database.OpenPluginAsync(plugin, PluginAccess.Schema, cancellationToken).ConfigureAwait(false);
        try
        {
            var authorizer = connection.Authorizer ?? throw new InvalidOperationException("A SQLite plugin connection must carry its authorizer.");
            authorizer.Trusted = true;
            var sqlite = (SqliteConnection)connection.Connection;
            // Wait for another instance's apply of this plugin rather than failing as busy.
            sqlite.DefaultTimeout = lockTimeoutSeconds;
            using (var wait = sqlite.CreateCommand())
            {
                wait.CommandText = $"PRAGMA busy_timeout = {lockTimeoutSeconds * 1000}";
                wait.ExecuteNonQuery();
            }
            var transaction = await ProviderErrors.GuardAsync(() => Task.FromResult(sqlite.BeginTransaction(deferred: false))).ConfigureAwait(false);
            var session = new SqliteMigrationSession(connection, authorizer, transaction, ReservedNames(connection, transaction));
            session.Journal = await JournalReader.ReadAsync(connection, cancellationToken, transaction).ConfigureAwait(false);
            authorizer.Trusted = false;
            authorizer.AllowTransactionControl = false;
            return session;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The committed journal, read on a service connection without taking the write lock.</summary>
    public static async Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(IPluginDatabase database, PluginId plugin, CancellationToken cancellationToken)
    {
        await using var service = await OpenServiceWithJournalAsync(database, plugin, cancellationToken).ConfigureAwait(false);
        return await JournalReader.ReadAsync(service, cancellationToken).ConfigureAwait(false);
    }

    public override void RunScript(string sql, int timeoutSeconds)
    {
        using var command = _plugin.CreateCommand(sql, _transaction);
        command.CommandTimeout = timeoutSeconds;
        command.ExecuteNonQuery();
    }

    public override void AddJournal(string version, string checksum, string? down, long durationMs) => Trusted(() =>
    {
        using var command = _plugin.CreateCommand($"""
            INSERT INTO {ServiceTables.Migrations} (version, position, checksum, down_script, applied_at, duration_ms)
            SELECT @v, COALESCE(MAX(position), 0) + 1, @c, @d, @at, @ms FROM {ServiceTables.Migrations}
            """, _transaction)
            .With("v", version).With("c", checksum).With("d", down)
            .With("at", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).With("ms", durationMs);
        command.ExecuteNonQuery();
    });

    public override void RemoveJournal(string version) => Trusted(() =>
    {
        using var command = _plugin.CreateCommand($"DELETE FROM {ServiceTables.Migrations} WHERE version = @v", _transaction).With("v", version);
        command.ExecuteNonQuery();
    });

    public override IDbCommand CreateCommand() => _plugin.CreateCommand("", _transaction);

    public override Task CommitAsync(CancellationToken cancellationToken)
    {
        _authorizer.Trusted = true;
        return ProviderErrors.GuardAsync(() =>
        {
            _transaction.Commit();
            return Task.FromResult(0);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        _authorizer.Trusted = true;
        if (_transaction.Connection is not null) // still open: neither committed nor rolled back
            _transaction.Rollback();
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _plugin.DisposeAsync().ConfigureAwait(false);
    }

    internal const string CreateJournalSql = $"""
        CREATE TABLE IF NOT EXISTS {ServiceTables.Migrations} (
            version TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            checksum TEXT NOT NULL,
            down_script TEXT,
            applied_at TEXT NOT NULL,
            duration_ms INTEGER NOT NULL)
        """;

    private static async Task<PluginConnection> OpenServiceWithJournalAsync(IPluginDatabase database, PluginId plugin, CancellationToken cancellationToken)
    {
        var service = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        try
        {
            await ProviderErrors.GuardAsync(async () =>
            {
                await using var create = service.CreateCommand(CreateJournalSql);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                SqliteServiceTables.Verify(service);
                return 0;
            }).ConfigureAwait(false);
            return service;
        }
        catch
        {
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Journal statements are the service's own: prepared trusted, after the plugin script has run to completion.
    private void Trusted(Action action)
    {
        _authorizer.Trusted = true;
        try
        {
            if (ReservedNames(_plugin, _transaction) != _reservedNames)
                throw new StorageException(StorageErrorCode.Forbidden,
                    $"Not allowed: names starting with {ServiceTables.Prefix} are reserved for the storage service.");
            SqliteServiceTables.Verify(_plugin, _transaction);
            action();
        }
        finally
        {
            _authorizer.Trusted = false;
        }
    }

    private static string ReservedNames(PluginConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand(ReservedNamesSql, transaction);
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
            names.Add(reader.GetString(0));
        return string.Join('\n', names);
    }
}
