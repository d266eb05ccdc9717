using System.Data;
using System.Security.Cryptography;
using Npgsql;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>
/// PostgreSQL: plugin scripts run on a plugin-role connection in one transaction; journal rows are
/// written from that same transaction through service-owned SECURITY DEFINER functions that demand a
/// ticket only this process knows, so they commit or roll back with the scripts.
/// </summary>
internal sealed class PostgresMigrationSession : MigrationSession
{
    private readonly PluginConnection _service;
    private readonly PluginConnection _plugin;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _ticket;

    private PostgresMigrationSession(PluginConnection service, PluginConnection plugin, NpgsqlTransaction transaction, string ticket)
    {
        _service = service;
        _plugin = plugin;
        _transaction = transaction;
        _ticket = ticket;
    }

    public static async Task<PostgresMigrationSession> OpenAsync(IPluginDatabase database, PostgresMigrationSetup setup, PluginId plugin, int lockTimeoutSeconds, CancellationToken cancellationToken)
    {
        // Both at once: holding the service connection while waiting for the plugin one could deadlock the connection budget.
        var (service, pluginConnection) = await database.OpenServiceAndPluginAsync(plugin, PluginAccess.Schema, cancellationToken).ConfigureAwait(false);
        var ticket = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        try
        {
            await setup.EnsureAsync(service, cancellationToken).ConfigureAwait(false);
            await ProviderErrors.GuardAsync(async () =>
            {
                await using var insert = service.CreateCommand(
                    "INSERT INTO _storage.migration_tickets (ticket_hash, schema_name, expires_at) VALUES (sha256(convert_to(@t, 'UTF8')), @s, now() + interval '1 day')")
                    .With("t", ticket).With("s", service.Schema);
                return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            var transaction = await ProviderErrors.GuardAsync(async () =>
            {
                var tx = await ((NpgsqlConnection)pluginConnection.Connection).BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using var lockCommand = pluginConnection.CreateCommand("SELECT _storage_migrate.lock(@t)", tx).With("t", ticket);
                lockCommand.CommandTimeout = lockTimeoutSeconds; // waits while another instance applies for this plugin
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return tx;
            }).ConfigureAwait(false);
            var session = new PostgresMigrationSession(service, pluginConnection, transaction, ticket);
            // Read on the service connection: the plugin role has no right on the journal. Every writer
            // holds the lock we now hold, so the committed journal is current.
            session.Journal = await JournalReader.ReadAsync(service, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await pluginConnection.DisposeAsync().ConfigureAwait(false);
            await DeleteTicketAsync(service, ticket).ConfigureAwait(false);
            await service.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The committed journal, without taking the lock: status must not wait behind a long apply.</summary>
    public static async Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(IPluginDatabase database, PostgresMigrationSetup setup, PluginId plugin, CancellationToken cancellationToken)
    {
        await using var service = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        await setup.EnsureAsync(service, cancellationToken).ConfigureAwait(false);
        return await JournalReader.ReadAsync(service, cancellationToken).ConfigureAwait(false);
    }

    public override void RunScript(string sql, int timeoutSeconds)
    {
        using var command = _plugin.CreateCommand("SELECT _storage_migrate.run(@t, @script)", _transaction).With("t", _ticket).With("script", sql);
        command.CommandTimeout = timeoutSeconds;
        command.ExecuteNonQuery();
    }

    public override void AddJournal(string version, string checksum, string? down, long durationMs)
    {
        using var command = _plugin.CreateCommand("SELECT _storage_migrate.journal_add(@t, @v, @c, @d, @ms)", _transaction)
            .With("t", _ticket).With("v", version).With("c", checksum).With("d", down).With("ms", durationMs);
        command.ExecuteNonQuery();
    }

    public override void RemoveJournal(string version)
    {
        using var command = _plugin.CreateCommand("SELECT _storage_migrate.journal_remove(@t, @v)", _transaction).With("t", _ticket).With("v", version);
        command.ExecuteNonQuery();
    }

    public override IDbCommand CreateCommand() => _plugin.CreateCommand("", _transaction);

    // The change is recorded in the same transaction, so other hosts learn of exactly what committed.
    // Recording it locks the one counter row every host's changes share until the commit: deferred
    // triggers of the plugin run first (SET CONSTRAINTS), so none of its code runs while that lock is held.
    public override Task CommitAsync(CancellationToken cancellationToken) =>
        ProviderErrors.GuardAsync(async () =>
        {
            await using (var changed = _plugin.CreateCommand("SET CONSTRAINTS ALL IMMEDIATE; SELECT _storage_migrate.changed(@t)", _transaction).With("t", _ticket))
                await changed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });

    public override async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _plugin.DisposeAsync().ConfigureAwait(false);
        await DeleteTicketAsync(_service, _ticket).ConfigureAwait(false);
        await _service.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task DeleteTicketAsync(PluginConnection service, string ticket)
    {
        if (service.Connection.State != System.Data.ConnectionState.Open)
            return; // The ticket expires on its own.
        try
        {
            await using var delete = service.CreateCommand("DELETE FROM _storage.migration_tickets WHERE ticket_hash = sha256(convert_to(@t, 'UTF8')) OR expires_at < now()")
                .With("t", ticket);
            await delete.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The ticket expires on its own; an unreachable database must not hide the original error.
        }
    }
}
