using Npgsql;

namespace Storage.Core.Internal;

/// <summary>What <see cref="PostgresChangeListener"/> needs of the backend: the bootstrap, its connection settings and a service connection.</summary>
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

    /// <summary>How many other hosts' listeners have not yet applied the latest change.</summary>
    internal async Task<long> PeersBehindAsync(int ownPid, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(_service, cancellationToken).ConfigureAwait(false);
        return await ProviderErrors.GuardAsync(async () =>
        {
            await using var command = new NpgsqlCommand(PostgresChangeSql.PeersBehind, connection);
            command.Parameters.AddWithValue("own", ownPid);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }).ConfigureAwait(false);
    }
}
