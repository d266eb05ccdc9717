namespace Storage.Core.Internal;

/// <summary>The numbers the <see cref="ConnectionBudget"/> enforces, taken from <see cref="PostgresOptions"/>.</summary>
internal sealed record ConnectionBudgetLimits(int MaxConnections, int ServiceConnections, int MaxPerPlugin, TimeSpan Wait, TimeSpan IdleLifetime)
{
    /// <summary>
    /// How long a plugin's just-returned connection is kept from being closed for another plugin. A plugin's
    /// requests often come in a series (migrate, insert, query); its next one arrives within milliseconds and
    /// reuses the connection, where closing it costs that plugin a new login (30 ms idle, over 500 ms when
    /// a thousand plugins log in at once on two cores).
    /// </summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How many times in a row a connection may go back to its own plugin ahead of others waiting: after
    /// that it stops lingering and the queue gets it, so a busy plugin cannot keep a connection for ever.
    /// </summary>
    public int MaxStreak { get; init; } = 8;

    /// <summary>Connections plugin work may have in use at once; the rest is kept for the service.</summary>
    public int PluginShare => MaxConnections - ServiceConnections;

    public static ConnectionBudgetLimits From(PostgresOptions options) => new(
        options.MaxConnections,
        options.ServiceConnections,
        options.MaxConnectionsPerPlugin,
        TimeSpan.FromMilliseconds(options.ConnectionWaitMs),
        TimeSpan.FromSeconds(options.ConnectionIdleSeconds));
}
