using System.Runtime.CompilerServices;
using System.Text.Json;
using LinqToDB;
using LinqToDB.Async;
using LinqToDB.Data;
using Storage.Core.Providers;
using Storage.Core;
using Storage.Core.Internal;

namespace Storage.Kv.Internal;

/// <summary>
/// Counts and exports a plugin's KV entries on a service connection, beside the engine's own
/// connections: on PostgreSQL from the service-owned <c>_storage.kv</c>, on SQLite from the plugin's file.
/// </summary>
internal sealed partial class KvInspector(IPluginDatabase database, TimeProvider clock) : IKvInspector
{
    public Task<long> CountAsync(PluginId plugin, CancellationToken cancellationToken) =>
        ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
            if (!await HasTableAsync(connection, cancellationToken).ConfigureAwait(false))
                return 0L;
            await using var data = connection.Data();
            return await Live(connection, data, plugin).LongCountAsync(cancellationToken).ConfigureAwait(false);
        });

    public async IAsyncEnumerable<KvExportEntry> ExportAsync(PluginId plugin, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (!await ProviderErrors.GuardAsync(() => HasTableAsync(connection, cancellationToken)).ConfigureAwait(false))
            yield break;
        await using var data = connection.Data();
        // The key column is COLLATE "C" on PostgreSQL and BINARY on SQLite, so ORDER BY is code point order on both.
        var rows = Live(connection, data, plugin).OrderBy(kv => kv.Key)
            .Select(kv => new { kv.Key, kv.Value, kv.Revision, kv.ExpiresAt }).AsAsyncEnumerable();
        await using var entries = rows.GetAsyncEnumerator(cancellationToken);
        while (await ProviderErrors.GuardAsync(async () => await entries.MoveNextAsync().ConfigureAwait(false)).ConfigureAwait(false))
        {
            var row = entries.Current;
            using var value = JsonDocument.Parse(row.Value);
            DateTimeOffset? expires = row.ExpiresAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
            yield return new KvExportEntry(row.Key, value.RootElement.Clone(), row.Revision, expires);
        }
    }

    // Entries the sweeper has not removed yet are as invisible as after it ran.
    private IQueryable<KvRow> Live(PluginConnection connection, DataConnection data, PluginId plugin)
    {
        var now = Now();
        var name = plugin.Value;
        var rows = connection.Provider == StorageProvider.Postgres
            ? data.GetTable<KvRow>().Where(kv => kv.Plugin == name)
            : data.GetTable<KvRow>().TableName(ServiceTables.Kv);
        return rows.Where(kv => kv.ExpiresAt == null || kv.ExpiresAt > now);
    }

    private static async Task<bool> HasTableAsync(PluginConnection connection, CancellationToken cancellationToken)
    {
        if (connection.Provider == StorageProvider.Postgres)
            return true;
        await using var command = connection.CreateCommand("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = @name").With("name", ServiceTables.Kv);
        if (!Convert.ToBoolean(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture))
            return false;
        SqliteServiceTables.Verify(connection);
        return true;
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
