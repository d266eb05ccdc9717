using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Storage.Core.Providers;

namespace Storage.Core.Internal;

/// <summary>
/// Creating a plugin's role and schema on its first request. Creation is serialized across every
/// service instance by a row lock in <c>_storage.locks</c> (grants on one shared schema must not race),
/// and one commit costs a disk flush; so every plugin waiting at that moment is created in the same
/// transaction: 1,000 new plugins at once cost a few batches, not 1,000 lock hand-overs and flushes.
/// Waiting for a batch holds no connection of the budget.
/// </summary>
internal sealed partial class PostgresDatabase
{
    private const int MaxProvisionBatch = 64;

    internal const string LockProvisionSql = "SELECT 1 FROM _storage.locks WHERE name = 'provision' FOR UPDATE";

    private async Task<PluginRole> ProvisionAsync(PluginId plugin)
    {
        await ProviderErrors.GuardAsync(async () => { await EnsureServiceSchemaAsync().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
        // Fast path, not queued: after a restart every known plugin is looked up once, concurrently.
        var known = await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await OpenAsync(_service, CancellationToken.None).ConfigureAwait(false);
            return (await FindPluginsAsync(connection, null, [plugin]).ConfigureAwait(false)).GetValueOrDefault(plugin);
        }).ConfigureAwait(false);
        return known ?? await ProviderErrors.GuardAsync(() => _provisioning.EnqueueAsync(plugin, CancellationToken.None)).ConfigureAwait(false);
    }

    private async Task ProvisionBatchAsync(IReadOnlyList<WriteBatcher<PluginId, PluginRole>.Pending> batch)
    {
        try
        {
            await CreatePluginsAsync(batch).ConfigureAwait(false);
        }
        catch (PostgresException) when (batch.Count > 1)
        {
            // One plugin's failure must not fail the others: create them one by one, each with its own outcome.
            // (Anything else, such as no connection free in time, would fail each of them the same way: the batch
            // fails as one, and the WriteBatcher hands that error to every plugin in it.)
            foreach (var pending in batch)
            {
                try
                {
                    await CreatePluginsAsync([pending]).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    pending.Completion.TrySetException(ex);
                }
            }
        }
    }

    private async Task CreatePluginsAsync(IReadOnlyList<WriteBatcher<PluginId, PluginRole>.Pending> batch)
    {
        var plugins = batch.Select(p => p.Item).Distinct().ToList();
        await using var connection = await OpenAsync(_service, CancellationToken.None).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand(LockProvisionSql, connection, transaction))
            await lockCommand.ExecuteNonQueryAsync().ConfigureAwait(false);
        // Under the lock: another instance may have created some of them meanwhile.
        var roles = await FindPluginsAsync(connection, transaction, plugins).ConfigureAwait(false);
        var created = plugins.Where(p => !roles.ContainsKey(p))
            .Select(p => (Plugin: p, Role: new PluginRole(PostgresNames.Schema(p), PostgresNames.Role(p), NewPassword()))).ToList();
        if (created.Count > 0)
        {
            await using var create = new NpgsqlCommand(CreatePluginsSql(created.Select(c => c.Role)), connection, transaction);
            create.Parameters.AddWithValue("p", created.Select(c => c.Plugin.Value).ToArray());
            create.Parameters.AddWithValue("s", created.Select(c => c.Role.Schema).ToArray());
            create.Parameters.AddWithValue("r", created.Select(c => c.Role.Role).ToArray());
            create.Parameters.AddWithValue("w", created.Select(c => c.Role.Password).ToArray());
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
        foreach (var (plugin, role) in created)
            roles[plugin] = role;
        foreach (var pending in batch)
            pending.Completion.TrySetResult(roles[pending.Item]);
    }

    // Identifiers are quoted and passwords are base64url, so nothing here comes from a request verbatim.
    // Every role gets USAGE on the API schema (the functions a plugin role may call, such as the
    // migration journal's), which is why grants run under the lock.
    private string CreatePluginsSql(IEnumerable<PluginRole> roles)
    {
        var sql = new StringBuilder();
        var names = new List<string>();
        foreach (var role in roles)
        {
            var schema = PluginConnection.QuoteIdentifier(role.Schema);
            var roleName = PluginConnection.QuoteIdentifier(role.Role);
            names.Add(roleName);
            sql.Append($"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{role.Role}') THEN
                    CREATE ROLE {roleName} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
                  END IF;
                END $$;
                ALTER ROLE {roleName} PASSWORD '{role.Password}' CONNECTION LIMIT {_roleConnectionLimit};
                CREATE SCHEMA IF NOT EXISTS {schema};
                REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
                GRANT USAGE, CREATE ON SCHEMA {schema} TO {roleName};

                """);
        }
        var all = string.Join(", ", names);
        sql.Append($"""
            GRANT {all} TO CURRENT_USER;
            GRANT USAGE ON SCHEMA {PostgresNames.ApiSchema} TO {all};
            INSERT INTO {PostgresNames.ServiceSchema}.plugins (plugin, schema_name, role_name, password)
                SELECT * FROM unnest(@p::text[], @s::text[], @r::text[], @w::text[]); -- multi-array unnest cannot be qualified; search_path is pg_catalog
            INSERT INTO {PostgresNames.ServiceSchema}.migration_locks (schema_name) SELECT pg_catalog.unnest(@s::text[]) ON CONFLICT DO NOTHING;
            """);
        return sql.ToString();
    }

    private static async Task<Dictionary<PluginId, PluginRole>> FindPluginsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyList<PluginId> plugins, CancellationToken cancellationToken = default)
    {
        await using var find = new NpgsqlCommand(
            $"SELECT plugin, schema_name, role_name, password FROM {PostgresNames.ServiceSchema}.plugins WHERE plugin = ANY(@p)", connection, transaction);
        find.Parameters.AddWithValue("p", plugins.Select(p => p.Value).ToArray());
        await using var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var found = new Dictionary<PluginId, PluginRole>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            if (PluginId.TryParse(reader.GetString(0), out var id))
                found[id] = new PluginRole(reader.GetString(1), reader.GetString(2), reader.GetString(3));
        return found;
    }

    private static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    private sealed record PluginRole(string Schema, string Role, string Password);
}
