using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using LinqToDB;
using LinqToDB.Async;
using Npgsql;

using Storage.Core.Providers;
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
    private readonly AsyncOnce<PluginId, PluginRole> _roles;
    private readonly ConcurrentDictionary<PluginId, PluginPools> _pluginSources = new();
    private readonly Lazy<Task> _serviceSchema;
    private readonly ILogger _logger;
    private readonly ConnectionBudget _budget;
    private readonly int _roleConnectionLimit;
    private readonly WriteBatcher<PluginId, PluginRole> _provisioning;
    private readonly Lazy<WriteBatcher<int, long>> _peerChecks;
    private readonly Lazy<NpgsqlDataSource> _peerCheckSource;

    public PostgresDatabase(IOptions<StorageOptions> options, ILogger<PostgresDatabase>? logger = null, TimeProvider? clock = null,
        PostgresDataSource? dataSource = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var connectionString = options.Value.Postgres.ConnectionString
            ?? throw new InvalidOperationException("Storage:Postgres:ConnectionString is required when Storage:Provider is postgres.");
        // Npgsql's own pooling is off: the connection budget pools every connection of the process.
        _baseBuilder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        _budget = new ConnectionBudget(ConnectionBudgetLimits.From(options.Value.Postgres), clock ?? TimeProvider.System);
        // A plugin whose role the cache drops loses its pools too (their idle connections close): both are
        // read and opened again on its next request, so neither grows with the number of plugins ever seen.
        _roles = new(options.Value.MaxCachedPlugins, dropped: (plugin, role) => { _ = RetirePoolsAsync(plugin); });
        _roleConnectionLimit = options.Value.Postgres.EffectiveRoleConnectionLimit;
        // The service repeats a small set of statements: let Npgsql prepare them on each pooled connection.
        // Service connections never keep session state (locks and settings are transaction-scoped),
        // so returning one to the pool needs no reset round trip. Plugin connections are reset on return.
        // search_path = pg_catalog: no name in a service statement can resolve to a plugin's function,
        // operator or table; service objects are always written _storage.x.
        var service = new NpgsqlConnectionStringBuilder(_baseBuilder.ConnectionString) { SearchPath = "pg_catalog" };
        if (service.MaxAutoPrepare == 0)
            service.MaxAutoPrepare = 64;
        _service = new ConnectionPool(null, service.ConnectionString, resetOnReturn: false, dataSource: dataSource?.Source);
        _serviceSchema = new Lazy<Task>(CreateServiceSchemaAsync);
        _provisioning = new WriteBatcher<PluginId, PluginRole>(ProvisionBatchAsync, MaxProvisionBatch, loops: 1);
        _peerChecks = new Lazy<WriteBatcher<int, long>>(() => new WriteBatcher<int, long>(CheckPeersAsync, maxBatch: 1024, loops: 1));
        _peerCheckSource = new Lazy<NpgsqlDataSource>(CreatePeerCheckSource);
    }

    public StorageProvider Provider => StorageProvider.Postgres;

    /// <summary>The process's connection budget, for metrics and tests.</summary>
    internal ConnectionBudget Budget => _budget;

    /// <summary>Plugins whose role, and plugins whose pools, this process holds (tests).</summary>
    internal (int Roles, int Pools) CachedPlugins => (_roles.Count, _pluginSources.Count);

    public async ValueTask<PluginConnection> OpenServiceAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var role = await EnsurePluginAsync(plugin, cancellationToken).ConfigureAwait(false);
        var lease = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
        return new PluginConnection(plugin, Provider, lease.Connection, role.Schema, _ => lease.Return());
    }

    public async ValueTask<PluginConnection> OpenPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken)
    {
        var role = await EnsurePluginAsync(plugin, cancellationToken).ConfigureAwait(false);
        var source = PluginSource(plugin, role, access);
        var lease = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
        return new PluginConnection(plugin, Provider, lease.Connection, role.Schema, _ => lease.Return()) { Lease = lease };
    }

    /// <summary>Both connections a migration needs, granted together so that nobody holds one while waiting for the other.</summary>
    public async ValueTask<(PluginConnection Service, PluginConnection Plugin)> OpenServiceAndPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken)
    {
        var role = await EnsurePluginAsync(plugin, cancellationToken).ConfigureAwait(false);
        var source = PluginSource(plugin, role, access);
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
            await using var data = PluginConnectionData.Open(Provider, connection);
            var names = await data.GetTable<PluginRow>().Select(p => p.Plugin).ToListAsync(cancellationToken).ConfigureAwait(false);
            // Plugin ids are ASCII, so ordinal order is the byte order COLLATE "C" would give.
            var plugins = new List<PluginId>(names.Count);
            foreach (var name in names.Order(StringComparer.Ordinal))
                if (PluginId.TryParse(name, out var id))
                    plugins.Add(id);
            return plugins;
        }).ConfigureAwait(false);
    }

    // A container disposed synchronously (ServiceProvider.Dispose) refuses async-only singletons;
    // closing the budget's connections blocks here instead, as the KV engines do.
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await _provisioning.DisposeAsync().ConfigureAwait(false);
        if (_peerChecks.IsValueCreated)
            await _peerChecks.Value.DisposeAsync().ConfigureAwait(false);
        if (_peerCheckSource.IsValueCreated)
            await _peerCheckSource.Value.DisposeAsync().ConfigureAwait(false);
        await _budget.DisposeAsync().ConfigureAwait(false);
    }

    private ConnectionPool PluginSource(PluginId plugin, PluginRole role, PluginAccess access)
    {
        var pools = _pluginSources.GetOrAdd(plugin, _ =>
        {
            var (write, read) = (CreatePluginSource(plugin, role, readOnly: false), CreatePluginSource(plugin, role, readOnly: true));
            (write.Sibling, read.Sibling) = (read, write);
            return new PluginPools(write, read);
        });
        return access == PluginAccess.Read ? pools.Read : pools.Write;
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
        // Npgsql would load the server's type catalog once per connection string, that is per plugin role:
        // a heavy catalog query on every plugin's first login (56 ms instead of 31 ms on an idle machine) and
        // a catalog copy kept per plugin. It would not help anyway: a plugin's own enum or composite type is
        // created after that first login, so the copy never knows it (INVALID_REQUEST, "cast to text").
        // Built-in types, their arrays, and domains (sent as their base type) read the same without it.
        var source = new NpgsqlDataSourceBuilder(builder.ConnectionString)
            .ConfigureTypeLoading(types => types.EnableTypeLoading(false))
            .Build();
        return new ConnectionPool(plugin, builder.ConnectionString, resetOnReturn: true, readOnly, source);
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

    private sealed record PluginPools(ConnectionPool Write, ConnectionPool Read);

    private sealed class NoVisit : IAsyncDisposable
    {
        public static readonly NoVisit Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
