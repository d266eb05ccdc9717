using Npgsql;
using Storage.Core.Providers;

namespace Storage.Core.Internal;

/// <summary>What <see cref="PostgresChangeListener"/> needs of the backend: the bootstrap, its connection settings and the peer check.</summary>
internal sealed partial class PostgresDatabase
{
    /// <summary>Creates the service schema (with <c>_storage.plugin_changes</c>) if needed.</summary>
    internal Task BootstrapAsync() =>
        ProviderErrors.GuardAsync(async () => { await EnsureServiceSchemaAsync().ConfigureAwait(false); return 0; });

    /// <summary>
    /// The listening connection: the service's account, outside the connection budget (it is held for
    /// the process's lifetime), with keepalives so a silently dead server is noticed while waiting.
    /// </summary>
    internal string ListenerConnectionString => new NpgsqlConnectionStringBuilder(_baseBuilder.ConnectionString)
    {
        SearchPath = "pg_catalog",
        ApplicationName = PostgresChangeSql.ListenerName,
        KeepAlive = 10,
        MaxAutoPrepare = 0,
    }.ConnectionString;

    /// <summary>
    /// How many other hosts' listeners have not yet applied the latest change. Concurrent calls share
    /// one query on one connection of their own, outside the connection budget: when many plugins
    /// migrate at once, each waiting for a budget connection (and a login) made the checks the
    /// slowest part of a migration under load.
    /// </summary>
    internal Task<long> PeersBehindAsync(int ownPid, CancellationToken cancellationToken) =>
        _peerChecks.Value.EnqueueAsync(ownPid, CancellationToken.None).WaitAsync(cancellationToken);

    // The checking connection closes after a few idle seconds: a lone host with no changes keeps none.
    private NpgsqlDataSource CreatePeerCheckSource() => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_baseBuilder.ConnectionString)
    {
        SearchPath = "pg_catalog",
        ApplicationName = PostgresChangeSql.PeerCheckName,
        Pooling = true,
        MinPoolSize = 0,
        MaxPoolSize = 1,
        ConnectionIdleLifetime = 5,
        ConnectionPruningInterval = 1,
        MaxAutoPrepare = 0,
    }.ConnectionString);

    private async Task CheckPeersAsync(IReadOnlyList<WriteBatcher<int, long>.Pending> waiting)
    {
        var behind = await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await _peerCheckSource.Value.OpenConnectionAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand(PostgresChangeSql.PeersBehind, connection);
            command.Parameters.AddWithValue("own", waiting[0].Item);
            return (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }).ConfigureAwait(false);
        foreach (var pending in waiting)
            pending.Completion.TrySetResult(behind);
    }
}
