namespace Storage.Core.Internal;

/// <summary>
/// One kind of physical connection the <see cref="ConnectionBudget"/> hands out: the service's, or a
/// plugin role's read or write connections. Identity is by reference; a purged plugin's pools are
/// retired, so their connections are closed instead of being kept idle.
/// </summary>
internal sealed class ConnectionPool(PluginId? plugin, string connectionString, bool resetOnReturn, bool readOnly = false)
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
    /// trip, not a new login); it goes back to the sibling, whose reset restores its login mode.
    /// </summary>
    public ConnectionPool? Sibling { get; set; }

    public bool Retired => _retired;

    public void Retire() => _retired = true;
}
