namespace Storage.Core.Internal;

/// <summary>
/// One connection asked of the <see cref="ConnectionBudget"/>: from which pool, and whether it counts
/// against the plugins' share (plugin connections, and the service connection a migration holds
/// beside its plugin connection) or may use the service's reserve (the service's own short work).
/// </summary>
internal readonly record struct ConnectionDemand(ConnectionPool Pool, bool PluginShare);
