using System.Runtime.CompilerServices;
using System.Text.Json;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>Counts and exports a plugin's KV entries on a service connection, beside the engine's own connections.</summary>
internal sealed class KvInspector(IPluginDatabase database, TimeProvider clock) : IKvInspector
{
    private const string Live = "(expires_at IS NULL OR expires_at > @now)";

    public Task<long> CountAsync(PluginId plugin, CancellationToken cancellationToken) =>
        ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
            if (!await HasTableAsync(connection, cancellationToken).ConfigureAwait(false))
                return 0L;
            await using var command = connection.CreateCommand($"SELECT count(*) FROM {connection.Qualify(ServiceTables.Kv)} WHERE {Live}")
                .With("now", Now());
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        });

    public async IAsyncEnumerable<KvExportEntry> ExportAsync(PluginId plugin, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (!await ProviderErrors.GuardAsync(() => HasTableAsync(connection, cancellationToken)).ConfigureAwait(false))
            yield break;
        var key = connection.Provider == StorageProvider.Postgres ? "key COLLATE \"C\"" : "key";
        await using var command = connection.CreateCommand(
            $"SELECT key, value, revision, expires_at FROM {connection.Qualify(ServiceTables.Kv)} WHERE {Live} ORDER BY {key}").With("now", Now());
        await using var reader = await ProviderErrors.GuardAsync(() => command.ExecuteReaderAsync(cancellationToken)).ConfigureAwait(false);
        while (await ProviderErrors.GuardAsync(() => reader.ReadAsync(cancellationToken)).ConfigureAwait(false))
        {
            using var value = JsonDocument.Parse(reader.GetString(1));
            DateTimeOffset? expires = reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3));
            yield return new KvExportEntry(reader.GetString(0), value.RootElement.Clone(), reader.GetInt64(2), expires);
        }
    }

    private static async Task<bool> HasTableAsync(PluginConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.Provider == StorageProvider.Postgres
            ? connection.CreateCommand("SELECT to_regclass(@name) IS NOT NULL").With("name", connection.Qualify(ServiceTables.Kv))
            : connection.CreateCommand("SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = @name").With("name", ServiceTables.Kv);
        return Convert.ToBoolean(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
