using Npgsql;

using Storage.Core.Providers;
namespace Storage.Core.Internal;

/// <summary>Measuring and purging a plugin's schema and role.</summary>
internal sealed partial class PostgresDatabase
{
    // Tables, materialized views and sequences; pg_total_relation_size adds their indexes and TOAST. It
    // takes a share lock: a relation the plugin holds exclusively is reported, not waited for (skipped
    // when pg_locks shows the lock; relation_size's lock_timeout is the backstop for one taken meanwhile).
    // One statement, one round trip per plugin.
    private const string MeasureSql = """
        WITH locked AS (SELECT l.relation FROM pg_catalog.pg_locks l
                         WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.granted AND l.database =
                               (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()))
        SELECT c.relname, CASE WHEN c.oid IN (SELECT relation FROM locked) THEN NULL ELSE _storage.relation_size(c.oid) END
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = @schema AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,m,S}'::"char"[])
        UNION ALL
        SELECT NULL, coalesce(sum(pg_catalog.pg_column_size(k.*)), 0)::bigint FROM _storage.kv k WHERE k.plugin = @plugin
        """;

    public async Task<PluginSize> MeasureAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        await ProviderErrors.GuardAsync(async () => { await EnsureServiceSchemaAsync().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
        await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
        return await ProviderErrors.GuardAsync(async () =>
        {
            await using var command = new NpgsqlCommand(MeasureSql, connection);
            command.Parameters.AddWithValue("schema", PostgresNames.Schema(plugin));
            command.Parameters.AddWithValue("plugin", plugin.Value);
            var bytes = 0L;
            var unmeasured = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!reader.IsDBNull(1))
                    bytes += reader.GetInt64(1);
                else if (!reader.IsDBNull(0))
                    unmeasured.Add(reader.GetString(0));
            }
            unmeasured.Sort(StringComparer.Ordinal);
            return new PluginSize(bytes, unmeasured);
        }).ConfigureAwait(false);
    }

    public async Task<bool> PurgeAsync(PluginId plugin, IEnumerable<IPluginLifecycleObserver> owners, CancellationToken cancellationToken)
    {
        await ProviderErrors.GuardAsync(async () => { await EnsureServiceSchemaAsync().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
        await ForgetAsync(plugin).ConfigureAwait(false);
        var purged = await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Under the provisioning lock, so no instance provisions the plugin while it is being dropped.
            await using (var lockCommand = new NpgsqlCommand(LockProvisionSql, connection, transaction))
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if ((await FindPluginsAsync(connection, transaction, [plugin], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(plugin) is not { } found)
                return false;
            await using (var drop = new NpgsqlCommand(PurgeSql(found.Schema, found.Role), connection, transaction))
            {
                drop.Parameters.AddWithValue("p", plugin.Value);
                drop.Parameters.AddWithValue("r", found.Role);
                await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            // The lease stays with this method: the wrapper never returns or closes it.
            var service = new PluginConnection(plugin, Provider, connection.Connection, found.Schema, _ => true);
            foreach (var owner in owners)
                await owner.DeletePluginRowsAsync(service, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        // A request that raced the purge may have cached the old role again.
        await ForgetAsync(plugin).ConfigureAwait(false);
        return purged;
    }

    // Sessions of the role (pooled in other instances) are ended first: their open transactions would
    // hold locks DROP SCHEMA waits for. The service is a member of the role, which allows signalling them.
    // The tiers' rows about the plugin (KV, journal, migration lock, tickets) are deleted by the tiers, in the same transaction.
    private static string PurgeSql(string schema, string role)
    {
        var schemaName = PluginConnection.QuoteIdentifier(schema);
        var roleName = PluginConnection.QuoteIdentifier(role);
        return $"""
            SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = @r AND pid <> pg_catalog.pg_backend_pid();
            DROP SCHEMA IF EXISTS {schemaName} CASCADE;
            DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{role.Replace("'", "''", StringComparison.Ordinal)}') THEN
                EXECUTE 'DROP OWNED BY {roleName.Replace("'", "''", StringComparison.Ordinal)}';
                EXECUTE 'DROP ROLE {roleName.Replace("'", "''", StringComparison.Ordinal)}';
              END IF;
            END $$;
            DELETE FROM {PostgresNames.ServiceSchema}.plugins WHERE plugin = @p;
            {PostgresChangeSql.RecordPurge};
            """;
    }

    // Pools keep connections open as the role; they are closed before the role is dropped.
    public async ValueTask ForgetAsync(PluginId plugin)
    {
        _roles.Forget(plugin);
        await RetirePoolsAsync(plugin).ConfigureAwait(false);
    }

    private async Task RetirePoolsAsync(PluginId plugin)
    {
        if (_pluginSources.TryRemove(plugin, out var pools))
        {
            await _budget.RetireAsync(pools.Write).ConfigureAwait(false);
            await _budget.RetireAsync(pools.Read).ConfigureAwait(false);
        }
    }
}
