using System.Data.Common;
using LinqToDB;
using LinqToDB.Async;
using Microsoft.Extensions.Options;
using Npgsql;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;

namespace Storage.Migrations.Internal;

/// <summary>Creates the service's migration objects once per process: the API functions, then per plugin the journal.</summary>
internal sealed class PostgresMigrationSetup(IOptions<StorageOptions> options) : IPluginLifecycleObserver
{
    private readonly AsyncOnce<PluginId, bool> _plugins = new(options.Value.MaxCachedPlugins);
    private readonly object _gate = new();
    private Task? _install;

    public async Task EnsureAsync(PluginConnection service, CancellationToken cancellationToken)
    {
        await InstallAsync(service).WaitAsync(cancellationToken).ConfigureAwait(false);
        await _plugins.GetAsync(service.Plugin, async _ =>
        {
            await PrepareAsync(service).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    // The journal and lock row are gone after a purge: the next use prepares them again.
    public ValueTask PluginPurgingAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        _plugins.Forget(plugin);
        return ValueTask.CompletedTask;
    }

    // The migration tier's rows about the plugin go in the purge's transaction, with its schema and role.
    public async ValueTask DeletePluginRowsAsync(PluginConnection service, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var schema = service.Schema!;
        await using var data = service.Data(transaction);
        await data.GetTable<PostgresJournalRow>().Where(j => j.SchemaName == schema).DeleteAsync(cancellationToken).ConfigureAwait(false);
        await data.GetTable<MigrationLockRow>().Where(l => l.SchemaName == schema).DeleteAsync(cancellationToken).ConfigureAwait(false);
        await data.GetTable<TicketRow>().Where(t => t.SchemaName == schema).DeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task InstallAsync(PluginConnection service)
    {
        lock (_gate)
        {
            if (_install is null || _install.IsFaulted)
                _install = ProviderErrors.GuardAsync(async () =>
                {
                    var connection = (NpgsqlConnection)service.Connection;
                    await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                    await using var command = new NpgsqlCommand(PostgresMigrationSql.Install, connection, transaction);
                    await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                    await transaction.CommitAsync().ConfigureAwait(false);
                    return 0;
                });
            return _install;
        }
    }

    private static Task PrepareAsync(PluginConnection service) => ProviderErrors.GuardAsync(async () =>
    {
        var connection = (NpgsqlConnection)service.Connection;
        var schema = service.Schema!;
        // Plugins created by this version were granted everything at creation: no lock, no commit.
        await using (var check = service.CreateCommand(PostgresMigrationSql.Prepared).With("schema", schema))
            if (await check.ExecuteScalarAsync().ConfigureAwait(false) is true)
                return 0;
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        string role;
        await using (var find = service.CreateCommand("SELECT role_name FROM _storage.plugins WHERE schema_name = @schema", transaction).With("schema", schema))
            role = (string)(await find.ExecuteScalarAsync().ConfigureAwait(false) ?? throw new InvalidOperationException($"No role for schema {schema}."));
        await using (var prepare = service.CreateCommand(PostgresMigrationSql.Prepare(role), transaction).With("schema", schema))
            await prepare.ExecuteNonQueryAsync().ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return 0;
    });
}
