namespace Storage.Core.Internal;

/// <summary>The numbers the <see cref="ConnectionBudget"/> enforces, taken from <see cref="PostgresOptions"/>.</summary>
internal sealed record ConnectionBudgetLimits(int MaxConnections, int ServiceConnections, int MaxPerPlugin, TimeSpan Wait, TimeSpan IdleLifetime)
{
    /// <summary>Connections plugin work may have in use at once; the rest is kept for the service.</summary>
    public int PluginShare => MaxConnections - ServiceConnections;

    public static ConnectionBudgetLimits From(PostgresOptions options) => new(
        options.MaxConnections,
        options.ServiceConnections,
        options.MaxConnectionsPerPlugin,
        TimeSpan.FromMilliseconds(options.ConnectionWaitMs),
        TimeSpan.FromSeconds(options.ConnectionIdleSeconds));
}
