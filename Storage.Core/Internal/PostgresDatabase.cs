using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// PostgreSQL backend: each plugin gets a schema owned by the service and a login role of its own
/// with USAGE and CREATE on that schema only. Plugin-written SQL runs on connections whose session
/// user is that role; the role's password is generated and kept by the service in <c>_storage.plugins</c>.
/// </summary>
internal sealed partial class PostgresDatabase : IPluginDatabase, IAsyncDisposable, IDisposable
{
    private readonly ConnectionPool _service;
    private readonly NpgsqlConnectionStringBuilder _baseBuilder;
    private readonly AsyncOnce<PluginId, PluginRole> _roles = new();
    private readonly ConcurrentDictionary<(PluginId, bool ReadOnly), ConnectionPool> _pluginSources = new();
    private readonly Lazy<Task> _serviceSchema;
    private readonly ILogger _logger;
    private readonly ConnectionBudget _budget;
    private readonly int _roleConnectionLimit;
    // Provisioning is serialized by a database-wide lock anyway: queue here, so that waiting for it
    // holds no connection of the budget (1,000 new plugins at once would otherwise hold them all).
    private readonly SemaphoreSlim _provisioning = new(1, 1);

    public PostgresDatabase(IOptions<StorageOptions> options, ILogger<PostgresDatabase>? logger = null, TimeProvider? clock = null,
        PostgresDataSource? dataSource = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var connectionString = options.Value.Postgres.ConnectionString
            ?? throw new InvalidOperationException("Storage:Postgres:ConnectionString is required when Storage:Provider is postgres.");
        // Npgsql's own pooling is off: the connection budget pools every connection of the process.
        _baseBuilder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        _budget = new ConnectionBudget(ConnectionBudgetLimits.From(options.Value.Postgres), clock ?? TimeProvider.System);
        _roleConnectionLimit = options.Value.Postgres.EffectiveRoleConnectionLimit;
        // The service repeats a small set of statements: let Npgsql prepare them on each pooled connection.
        // Service connections never keep session state (locks and settings are transaction-scoped),
        // so returning one to the pool needs no reset round trip. Plugin connections are reset on return.
        // search_path = pg_catalog: no name in a service statement can resolve to a plugin's function,
        // operator or table; service objects are always written _storage.x.
        var service = new NpgsqlConnectionStringBuilder(_baseBuilder.ConnectionString) { SearchPath = "pg_catalog" };
        if (service.MaxAutoPrepare == 0)
            service.MaxAutoPrepare = 64;
        _service = new ConnectionPool(null, service.ConnectionString, resetOnReturn: false, dataSource?.Source);
        _serviceSchema = new Lazy<Task>(CreateServiceSchemaAsync);
    }

    public StorageProvider Provider => StorageProvider.Postgres;

    /// <summary>The process's connection budget, for metrics and tests.</summary>
    internal ConnectionBudget Budget => _budget;

    public async ValueTask<PluginConnection> OpenServiceAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var role = await EnsurePluginAsync(plugin, cancellationToken).ConfigureAwait(false);
        var lease = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
        return new PluginConnection(plugin, Provider, lease.Connection, role.Schema, _ => lease.Return());
    }

    public async ValueTask<PluginConnection> OpenPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken)
    {
        var role = await EnsurePluginAsync(plugin, cancellationToken).ConfigureAwait(false);
        var readOnly = access == PluginAccess.Read;
        var source = _pluginSources.GetOrAdd((plugin, readOnly), key => CreatePluginSource(plugin, role, key.ReadOnly));
        var lease = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
        return new PluginConnection(plugin, Provider, lease.Connection, role.Schema, _ => lease.Return());
    }

    /// <summary>Both connections a migration needs, granted together so that nobody holds one while waiting for the other.</summary>
    public async ValueTask<(PluginConnection Service, PluginConnection Plugin)> OpenServiceAndPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken)
    {
        var role = await EnsurePluginAsync(plugin, cancellationToken).ConfigureAwait(false);
        var source = _pluginSources.GetOrAdd((plugin, access == PluginAccess.Read), key => CreatePluginSource(plugin, role, key.ReadOnly));
        var leases = await OpenAsync([new(_service, PluginShare: true), new(source, PluginShare: true)], cancellationToken).ConfigureAwait(false);
        return (new PluginConnection(plugin, Provider, leases[0].Connection, role.Schema, _ => leases[0].Return()),
            new PluginConnection(plugin, Provider, leases[1].Connection, role.Schema, _ => leases[1].Return()));
    }

    // Npgsql's pools close idle connections themselves.
    public ValueTask<IAsyncDisposable> VisitAsync(PluginId plugin, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IAsyncDisposable>(NoVisit.Instance);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
        await ProviderErrors.GuardAsync(async () =>
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PluginId>> ListPluginsAsync(CancellationToken cancellationToken)
    {
        await EnsureServiceSchemaAsync().ConfigureAwait(false);
        return await ProviderErrors.GuardAsync<IReadOnlyList<PluginId>>(async () =>
        {
            await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"SELECT plugin FROM {PostgresNames.ServiceSchema}.plugins ORDER BY plugin COLLATE \"C\"", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var plugins = new List<PluginId>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                if (PluginId.TryParse(reader.GetString(0), out var id))
                    plugins.Add(id);
            return plugins;
        }).ConfigureAwait(false);
    }

    // A container disposed synchronously (ServiceProvider.Dispose) refuses async-only singletons;
    // closing the budget's connections blocks here instead, as the KV engines do.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await _budget.DisposeAsync().ConfigureAwait(false);
        _provisioning.Dispose();
    }

    private ConnectionPool CreatePluginSource(PluginId plugin, PluginRole role, bool readOnly)
    {
        var builder = new NpgsqlConnectionStringBuilder(_baseBuilder.ConnectionString)
        {
            Username = role.Role,
            Password = role.Password,
            SearchPath = role.Schema,
            // DISCARD ALL on return drops prepared statements behind Npgsql's back: prepare nothing.
            MaxAutoPrepare = 0,
            // A read connection cannot leave read-only mode for the statement it runs; the reset on return restores it.
            Options = readOnly ? "-c default_transaction_read_only=on" : null,
            // An array with NULL elements ({1,NULL}) reads as int?[] instead of failing; without NULLs it stays int[].
            ArrayNullabilityMode = ArrayNullabilityMode.PerInstance,
        };
        return new ConnectionPool(plugin, builder.ConnectionString, resetOnReturn: true);
    }

    private async Task<BudgetedConnection> OpenAsync(ConnectionPool source, CancellationToken cancellationToken) =>
        (await OpenAsync([new(source, PluginShare: source.Plugin is not null)], cancellationToken).ConfigureAwait(false))[0];

    private async Task<BudgetedConnection[]> OpenAsync(ConnectionDemand[] demands, CancellationToken cancellationToken)
    {
        try
        {
            return await _budget.OpenAsync(demands, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Failing to connect is UNAVAILABLE even when it surfaced as a timeout.
            var translated = ProviderErrors.Translate(ex)!;
            throw translated.Code is StorageErrorCode.Unavailable or StorageErrorCode.Timeout
                ? new StorageException(StorageErrorCode.Unavailable, "The database is unavailable; retry later.", null, ex)
                : translated;
        }
    }

    private Task EnsureServiceSchemaAsync() => _serviceSchema.Value;

    private Task<PluginRole> EnsurePluginAsync(PluginId plugin, CancellationToken cancellationToken) =>
        _roles.GetAsync(plugin, ProvisionAsync, cancellationToken);

    private async Task<PluginRole> ProvisionAsync(PluginId plugin)
    {
        await ProviderErrors.GuardAsync(async () => { await EnsureServiceSchemaAsync().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
        // Fast path, not queued: after a restart every known plugin is looked up once, concurrently.
        var known = await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await OpenAsync(_service, CancellationToken.None).ConfigureAwait(false);
            return await FindPluginAsync(connection, null, plugin).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (known is not null)
            return known;
        await _provisioning.WaitAsync().ConfigureAwait(false);
        try
        {
            return await ProvisionLockedAsync(plugin).ConfigureAwait(false);
        }
        finally
        {
            _provisioning.Release();
        }
    }

    private async Task<PluginRole> ProvisionLockedAsync(PluginId plugin)
    {
        return await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await OpenAsync(_service, CancellationToken.None).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            // One creation at a time across every service instance: a row lock in _storage, where plugins have no right.
            await using (var lockCommand = new NpgsqlCommand(LockProvisionSql, connection, transaction))
                await lockCommand.ExecuteNonQueryAsync().ConfigureAwait(false);
            if (await FindPluginAsync(connection, transaction, plugin).ConfigureAwait(false) is { } raced)
                return raced;

            var role = new PluginRole(PostgresNames.Schema(plugin), PostgresNames.Role(plugin), NewPassword());
            var schema = PluginConnection.QuoteIdentifier(role.Schema);
            var roleName = PluginConnection.QuoteIdentifier(role.Role);
            // Identifiers are quoted and the password is base64url, so nothing here comes from a request verbatim.
            await using (var create = new NpgsqlCommand($"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{role.Role}') THEN
                    CREATE ROLE {roleName} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
                  END IF;
                END $$;
                ALTER ROLE {roleName} PASSWORD '{role.Password}' CONNECTION LIMIT {_roleConnectionLimit};
                CREATE SCHEMA IF NOT EXISTS {schema};
                REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
                GRANT USAGE, CREATE ON SCHEMA {schema} TO {roleName};
                GRANT {roleName} TO CURRENT_USER;
                INSERT INTO {PostgresNames.ServiceSchema}.plugins (plugin, schema_name, role_name, password) VALUES (@p, @s, @r, @w);
                INSERT INTO {PostgresNames.ServiceSchema}.migration_locks (schema_name) VALUES (@s) ON CONFLICT DO NOTHING;
                """, connection, transaction))
            {
                create.Parameters.AddWithValue("p", plugin.Value);
                create.Parameters.AddWithValue("s", role.Schema);
                create.Parameters.AddWithValue("r", role.Role);
                create.Parameters.AddWithValue("w", role.Password);
                await create.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            await transaction.CommitAsync().ConfigureAwait(false);
            return role;
        }).ConfigureAwait(false);
    }

    internal const string LockProvisionSql = "SELECT 1 FROM _storage.locks WHERE name = 'provision' FOR UPDATE";

    private static async Task<PluginRole?> FindPluginAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, PluginId plugin)
    {
        await using var find = new NpgsqlCommand($"SELECT schema_name, role_name, password FROM {PostgresNames.ServiceSchema}.plugins WHERE plugin = @p", connection, transaction);
        find.Parameters.AddWithValue("p", plugin.Value);
        await using var reader = await find.ExecuteReaderAsync().ConfigureAwait(false);
        return await reader.ReadAsync().ConfigureAwait(false)
            ? new PluginRole(reader.GetString(0), reader.GetString(1), reader.GetString(2))
            : null;
    }

    private static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');

    private sealed record PluginRole(string Schema, string Role, string Password);

    private sealed class NoVisit : IAsyncDisposable
    {
        public static readonly NoVisit Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
