using System.Globalization;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>Reads a plugin's migration journal, oldest first, on a connection allowed to read it.</summary>
internal static class JournalReader
{
    public static Task<IReadOnlyList<JournalEntry>> ReadAsync(PluginConnection connection, CancellationToken cancellationToken, System.Data.Common.DbTransaction? transaction = null) =>
        ProviderErrors.GuardAsync<IReadOnlyList<JournalEntry>>(async () =>
        {
            // PostgreSQL: the service's own journal table, on a service connection; SQLite: the plugin file's.
            await using var command = connection.Provider == StorageProvider.Postgres
                ? connection.CreateCommand(
                    "SELECT version, position, checksum, down_script, applied_at, duration_ms FROM _storage.migration_journal WHERE schema_name = @schema ORDER BY position",
                    transaction).With("schema", connection.Schema)
                : connection.CreateCommand(
                    $"SELECT version, position, checksum, down_script, applied_at, duration_ms FROM {connection.Qualify(ServiceTables.Migrations)} ORDER BY position",
                    transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var entries = new List<JournalEntry>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var appliedAt = connection.Provider == StorageProvider.Postgres
                    ? DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc)
                    : DateTime.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                entries.Add(new JournalEntry(
                    reader.GetString(0), reader.GetInt64(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), appliedAt, reader.GetInt64(5)));
            }
            return entries;
        });
}
