using System.ComponentModel.DataAnnotations;

namespace Storage.Core;

/// <summary>Backend selection and connection settings, bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Settings used when <see cref="Provider"/> is SQLite.</summary>
    public SqliteOptions Sqlite { get; set; } = new();

    /// <summary>Settings used when <see cref="Provider"/> is PostgreSQL.</summary>
    public PostgresOptions Postgres { get; set; } = new();

    /// <summary>How long the host keeps retrying an unreachable database at start before it fails, in seconds.</summary>
    [Range(0, 3600)]
    public int ConnectRetrySeconds { get; set; } = 10;

    /// <summary>
    /// Plugins whose set-up results each per-plugin cache keeps (role, KV and migration set-up, row
    /// catalog); past it the oldest are dropped and read again when next needed (default 10,000).
    /// </summary>
    [Range(16, 10_000_000)]
    public int MaxCachedPlugins { get; set; } = 10_000;
}

/// <summary>SQLite settings: where the per-plugin files live.</summary>
public sealed class SqliteOptions
{
    /// <summary>The directory holding one <c>&lt;plugin&gt;.db</c> file per plugin.</summary>
    [Required]
    public string Directory { get; set; } = "./data";

    /// <summary>How long a connection waits for another writer's lock, in milliseconds.</summary>
    [Range(0, 600_000)]
    public int BusyTimeoutMs { get; set; } = 5000;

    /// <summary>
    /// Plugin databases open at once (each with up to <see cref="MaxConnectionsPerPlugin"/> connections
    /// and its <c>-wal</c>/<c>-shm</c> handles); beyond it the least recently used idle one is closed.
    /// Lowered at start to what the open-files limit allows (85 under a limit of 1,024; a warning when a
    /// configured value does not fit, an information line for the default). 1,000 open plugins take about
    /// 100 MiB of SQLite memory (docs/operations.md, "Open files on SQLite"), page caches bounded by <see cref="CacheLimitMiB"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxOpenPlugins { get; set; } = DefaultMaxOpenPlugins;

    internal const int DefaultMaxOpenPlugins = 1024;

    /// <summary>Connections open at once on one plugin's file (service, KV and plugin SQL together); more wait.</summary>
    [Range(1, 64)]
    public int MaxConnectionsPerPlugin { get; set; } = 4;

    /// <summary>How long an unused plugin database stays open, in seconds.</summary>
    [Range(1, 86_400)]
    public int IdleCloseSeconds { get; set; } = 60;

    /// <summary>How long a request waits for an open-database slot or a connection before it gets UNAVAILABLE, in milliseconds.</summary>
    [Range(0, 600_000)]
    public int OpenWaitMs { get; set; } = 10_000;

    /// <summary>
    /// The largest string, blob or row plugin SQL may build or read, in bytes (<c>SQLITE_LIMIT_LENGTH</c>
    /// on plugin connections; default 8 MiB); more is TOO_LARGE at once instead of an allocation.
    /// </summary>
    [Range(1024, 1_000_000_000)]
    public int MaxValueBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// SQLite's soft heap limit for the whole process, in MiB (0: none). Past it SQLite frees cached
    /// pages, any plugin's, before it allocates more, so the page caches of every open plugin share
    /// this much however many are open (each alone could hold 2 MiB per connection).
    /// </summary>
    [Range(0, 1_000_000)]
    public int CacheLimitMiB { get; set; } = 256;
}

/// <summary>PostgreSQL settings.</summary>
public sealed class PostgresOptions
{
    /// <summary>
    /// The service's own connection; its user must be able to create roles and schemas
    /// (a superuser, or a role with CREATEROLE and CREATE on the database).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Physical connections this process may hold in total: the service's and every plugin's, read
    /// and write, in use or idle. Size it so that hosts × this + other clients stays under the
    /// server's <c>max_connections</c> minus <c>superuser_reserved_connections</c>.
    /// </summary>
    [Range(3, 10_000)]
    public int MaxConnections { get; set; } = 20;

    /// <summary>Connections of <see cref="MaxConnections"/> that only the service's own work (KV, bookkeeping) may use.</summary>
    [Range(1, 10_000)]
    public int ServiceConnections { get; set; } = 4;

    /// <summary>Connections one plugin's role may hold in this process (read and write together).</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerPlugin { get; set; } = 4;

    /// <summary>
    /// The <c>CONNECTION LIMIT</c> given to each plugin role, over every host sharing the database;
    /// unset: 4 × <see cref="MaxConnectionsPerPlugin"/> (room for four hosts).
    /// </summary>
    [Range(1, 100_000)]
    public int? PluginRoleConnectionLimit { get; set; }

    /// <summary>
    /// How long a request waits for a free connection before it is answered UNAVAILABLE, in milliseconds; a request's own deadline
    /// (Nats:RequestTimeoutMs) ends the wait sooner. Well under the deadline: nothing has been done yet, so a retry is safe, and the
    /// queue sheds what it could not serve in time instead of letting requests pass their deadline waiting (TIMEOUT, not retried).
    /// </summary>
    [Range(1, 600_000)]
    public int ConnectionWaitMs { get; set; } = 10_000;

    /// <summary>Idle connections are closed after this many seconds (sooner when another plugin needs the budget).</summary>
    [Range(1, 3600)]
    public int ConnectionIdleSeconds { get; set; } = 10;

    /// <summary>
    /// How long a migration apply or rollback, or a purge, waits after its commit until every other
    /// host sharing the database has dropped its caches of the plugin, in milliseconds (0: do not
    /// wait). A host that has not confirmed by then is logged; it catches up as soon as it can.
    /// </summary>
    [Range(0, 60_000)]
    public int CacheSyncWaitMs { get; set; } = 2000;

    /// <summary>The role limit in effect: <see cref="PluginRoleConnectionLimit"/> or its default.</summary>
    internal int EffectiveRoleConnectionLimit => PluginRoleConnectionLimit ?? 4 * MaxConnectionsPerPlugin;
}
