using System.Runtime.CompilerServices;
using System.Text.Json;
using Storage.Core;
using Storage.Core.Internal;

namespace Storage.Kv.Internal;

/// <summary>
/// Counts and exports a plugin's KV entries on a service connection, beside the engine's own
/// connections: on PostgreSQL from the service-owned <c>_storage.kv</c>, on SQLite from the plugin's file.
/// </summary>
internal sealed partial class KvInspector(IPluginDatabase database, TimeProvider clock) : IKvInspector
{
    private const string Live = "(kv.expires_at IS NULL OR kv.expires_at > @now)";

    public Task<long> CountAsync(PluginId plugin, CancellationToken cancellationToken) =>
        ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
            if (!await HasTableAsync(connection, cancellationToken).ConfigureAwait(false))
                return 0L;
            await using var command = connection.CreateCommand($"SELECT count(*) FROM {From(connection)} {Live}")
                .With("plugin", plugin.Value).With("now", Now());
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        });

    public async IAsyncEnumerable<KvExportEntry> ExportAsync(PluginId plugin, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (!await ProviderErrors.GuardAsync(() => HasTableAsync(connection, cancellationToken)).ConfigureAwait(false))
            yield break;
        await using var command = connection.CreateCommand(
            $"SELECT kv.key, kv.value, kv.revision, kv.expires_at FROM {From(connection)} {Live} ORDER BY kv.key")
            .With("plugin", plugin.Value).With("now", Now());
        await using var reader = await ProviderErrors.GuardAsync(() => command.ExecuteReaderAsync(cancellationToken)).ConfigureAwait(false);
        while (await ProviderErrors.GuardAsync(() => reader.ReadAsync(cancellationToken)).ConfigureAwait(false))
        {
            using var value = JsonDocument.Parse(reader.GetString(1));
            DateTimeOffset? expires = reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3));
            yield return new KvExportEntry(reader.GetString(0), value.RootElement.Clone(), reader.GetInt64(2), expires);
        }
    }

    // The key column is COLLATE "C" on PostgreSQL and BINARY on SQLite, so ORDER BY is code point order on both.
    private static string From(PluginConnection connection) => connection.Provider == StorageProvider.Postgres
        ? "_storage.kv AS kv WHERE kv.plugin = @plugin AND"
        : $"{PluginConnection.QuoteIdentifier(ServiceTables.Kv)} AS kv WHERE";

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
