using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// One kind of physical connection the <see cref="ConnectionBudget"/> hands out: the service's, or a
/// plugin role's read or write connections. Identity is by reference; a purged plugin's pools are
/// retired, so their connections are closed instead of being kept idle.
/// </summary>
/// <remarks>
/// A plugin pool opens through an unpooled data source of its own (see <c>PostgresDatabase.CreatePluginSource</c>;
/// it holds no connections, so it needs no disposing); the service's through the app's data source if one
/// was given, else by connection string.
/// </remarks>
internal sealed class ConnectionPool(PluginId? plugin, string connectionString, bool resetOnReturn, bool readOnly = false, NpgsqlDataSource? dataSource = null)
{
    private volatile bool _retired;

    /// <summary>The plugin whose role the connections log in as (counted against its cap), or null for the service.</summary>
    public PluginId? Plugin { get; } = plugin;

    /// <summary>Npgsql connection string with its own pooling off: the budget is the pool.</summary>
    public string ConnectionString { get; } = connectionString;

    /// <summary>Plugin SQL can change its session, so its connections are reset before reuse.</summary>
    public bool ResetOnReturn { get; } = resetOnReturn;

    /// <summary>Whether its connections log in with <c>default_transaction_read_only=on</c>.</summary>
    public bool ReadOnly { get; } = readOnly;

    /// <summary>
    /// The same role's pool of the other mode. When this pool has no idle connection, an idle one of the
    /// sibling is lent instead with the mode switched by <c>SET default_transaction_read_only</c> (a round
    /// trip, not a new login). It then belongs to this pool: each reset puts this pool's mode back after
    /// <c>DISCARD ALL</c> restored its login mode, so later leases of this mode reuse it without a switch.
    /// </summary>
    public ConnectionPool? Sibling { get; set; }

    public bool Retired => _retired;

    /// <summary>
    /// Opens a physical connection. Service connections of an app-supplied data source come from it
    /// (its authentication and callbacks apply) and get the service's <c>search_path</c> by a SET,
    /// since the data source's connection string is not ours to change; a plugin pool's come from its own.
    /// </summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = dataSource?.CreateConnection() ?? new NpgsqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (dataSource is not null && Plugin is null)
            {
                await using var command = new NpgsqlCommand("SET search_path = pg_catalog", connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Retire() => _retired = true;
}
