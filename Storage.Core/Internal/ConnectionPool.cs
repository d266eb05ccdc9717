namespace Storage.Core.Internal;

/// <summary>
/// One kind of physical connection the <see cref="ConnectionBudget"/> hands out: the service's, or a
/// plugin role's read or write connections. Identity is by reference; a purged plugin's pools are
/// retired, so their connections are closed instead of being kept idle.
/// </summary>
internal sealed class ConnectionPool(PluginId? plugin, string connectionString, bool resetOnReturn)
{
    private volatile bool _retired;

    /// <summary>The plugin whose role the connections log in as (counted against its cap), or null for the service.</summary>
    public PluginId? Plugin { get; } = plugin;

    /// <summary>Npgsql connection string with its own pooling off: the budget is the pool.</summary>
    public string ConnectionString { get; } = connectionString;

    /// <summary>Plugin SQL can change its session, so its connections are reset before reuse.</summary>
    public bool ResetOnReturn { get; } = resetOnReturn;

    public bool Retired => _retired;

    public void Retire() => _retired = true;
}
