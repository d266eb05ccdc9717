using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>Restoring an export: the plugin's entries replaced in one transaction, revisions kept.</summary>
internal sealed partial class KvInspector
{
    public async Task<int> ImportAsync(PluginId plugin, IReadOnlyList<KvExportEntry> entries, CancellationToken cancellationToken)
    {
        var now = Now();
        var rows = Validate(entries, now);
        return await ProviderErrors.GuardAsync(async () =>
        {
            await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
            var postgres = connection.Provider == StorageProvider.Postgres;
            var sql = postgres ? KvSql.Postgres : KvSql.Sqlite;
            if (!postgres)
                _ = KvConnection.Of(connection); // Creates the file's KV tables when missing and verifies them.
            await using var transaction = await connection.Connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (postgres)
            {
                // Two imports of one plugin run one after the other (SQLite's write transaction does the same).
                await using var serialize = connection.CreateCommand("SELECT 1 FROM _storage.plugins WHERE plugin = @plugin FOR UPDATE", transaction).With("plugin", plugin.Value);
                await serialize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using (var clear = connection.CreateCommand($"DELETE FROM {sql.Table} AS kv WHERE {(postgres ? "kv.plugin = @plugin" : "1 = 1")}", transaction)
                .With("plugin", plugin.Value))
                await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var insertSql = postgres
                ? $"INSERT INTO {sql.Table} AS kv (plugin, key, value, revision, expires_at) VALUES (@plugin, @key, @value, @revision, @expires) "
                  + "ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at"
                : $"INSERT INTO {sql.Table} (key, value, revision, expires_at) VALUES (@key, @value, @revision, @expires)";
            foreach (var (key, value, revision, expires) in rows)
            {
                await using var insert = connection.CreateCommand(insertSql, transaction)
                    .With("plugin", plugin.Value).With("key", key).With("value", value).With("revision", revision).With("expires", expires);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var newest = rows.Count == 0 ? 0 : rows.Max(r => r.Revision);
            // Later writes must get revisions above every imported one: PostgreSQL's sequence is shared by all plugins, so it only moves up.
            await using (var counter = connection.CreateCommand(postgres
                ? "SELECT pg_catalog.setval('_storage.kv_revision'::pg_catalog.regclass, GREATEST(@newest, (SELECT last_value FROM _storage.kv_revision)))"
                : $"UPDATE {sql.Counter} SET revision = MAX(revision, @newest) WHERE id = 1", transaction).With("newest", Math.Max(newest, 1)))
                await counter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return rows.Count;
        }).ConfigureAwait(false);
    }

    private static List<(string Key, string Value, long Revision, long? Expires)> Validate(IReadOnlyList<KvExportEntry> entries, long now)
    {
        var rows = new List<(string, string, long, long?)>(entries.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var key = KvValidation.Key(entry.Key, $"kv[{i}].key");
            if (!seen.Add(key))
                throw StorageException.InvalidField($"kv[{i}].key", $"Field 'kv[{i}].key': the key '{key}' appears twice.");
            if (entry.Revision < 1)
                throw StorageException.OutOfRange($"kv[{i}].revision", "a revision of at least 1", entry.Revision);
            var raw = entry.Value.GetRawText();
            KvValidation.ValueText(entry.Value, System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(entry.Value));
            var expires = entry.ExpiresAt?.ToUnixTimeMilliseconds();
            if (expires is { } at && at <= now)
                continue; // Expired since the export: as invisible as it would be after the sweep.
            rows.Add((key, raw, entry.Revision, expires));
        }
        return rows;
    }
}
