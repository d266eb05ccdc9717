using Npgsql;

namespace Storage.Core.Internal;

/// <summary>Measuring and purging a plugin's schema and role.</summary>
internal sealed partial class PostgresDatabase
{
    // Tables, materialized views and sequences; pg_total_relation_size adds their indexes and TOAST.
    private const string MeasureSql = """
        SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = @schema AND c.relkind IN ('r', 'p', 'm', 'S')
        """;

    public async Task<long> MeasureAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
        return await ProviderErrors.GuardAsync(async () =>
        {
            await using var command = new NpgsqlCommand(MeasureSql, connection);
            command.Parameters.AddWithValue("schema", PostgresNames.Schema(plugin));
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
        }).ConfigureAwait(false);
    }

    public async Task<bool> PurgeAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        await ProviderErrors.GuardAsync(async () => { await EnsureServiceSchemaAsync().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
        await ForgetAsync(plugin).ConfigureAwait(false);
        var purged = await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Under the provisioning lock, so no instance provisions the plugin while it is being dropped.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('storage.provision'))", connection, transaction))
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var schema = PostgresNames.Schema(plugin);
            var role = PostgresNames.Role(plugin);
            await using (var find = new NpgsqlCommand($"SELECT schema_name, role_name FROM {PostgresNames.ServiceSchema}.plugins WHERE plugin = @p", connection, transaction))
            {
                find.Parameters.AddWithValue("p", plugin.Value);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    return false;
                (schema, role) = (reader.GetString(0), reader.GetString(1));
            }
            await using (var drop = new NpgsqlCommand(PurgeSql(schema, role), connection, transaction))
            {
                drop.Parameters.AddWithValue("p", plugin.Value);
                drop.Parameters.AddWithValue("r", role);
                await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        // A request that raced the purge may have cached the old role again.
        await ForgetAsync(plugin).ConfigureAwait(false);
        return purged;
    }

    // Sessions of the role (pooled in other instances) are ended first: their open transactions would
    // hold locks DROP SCHEMA waits for. The service is a member of the role, which allows signalling them.
    // The migrations tier's rows about the schema live in tables that exist only once it ran.
    private static string PurgeSql(string schema, string role)
    {
        var schemaName = PluginConnection.QuoteIdentifier(schema);
        var roleName = PluginConnection.QuoteIdentifier(role);
        var literal = schema.Replace("'", "''", StringComparison.Ordinal);
        return $"""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = @r AND pid <> pg_backend_pid();
            DROP SCHEMA IF EXISTS {schemaName} CASCADE;
            DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role.Replace("'", "''", StringComparison.Ordinal)}') THEN
                EXECUTE 'DROP OWNED BY {roleName.Replace("'", "''", StringComparison.Ordinal)}';
                EXECUTE 'DROP ROLE {roleName.Replace("'", "''", StringComparison.Ordinal)}';
              END IF;
              IF to_regclass('{PostgresNames.ServiceSchema}.migration_locks') IS NOT NULL THEN
                DELETE FROM {PostgresNames.ServiceSchema}.migration_locks WHERE schema_name = '{literal}';
              END IF;
              IF to_regclass('{PostgresNames.ServiceSchema}.migration_tickets') IS NOT NULL THEN
                DELETE FROM {PostgresNames.ServiceSchema}.migration_tickets WHERE schema_name = '{literal}';
              END IF;
            END $$;
            DELETE FROM {PostgresNames.ServiceSchema}.plugins WHERE plugin = @p;
            """;
    }

    // Pools keep connections open as the role; they are closed before the role is dropped.
    private async Task ForgetAsync(PluginId plugin)
    {
        _roles.Forget(plugin);
        foreach (var readOnly in new[] { false, true })
            if (_pluginSources.TryRemove((plugin, readOnly), out var source))
                await _budget.RetireAsync(source).ConfigureAwait(false);
    }
}
