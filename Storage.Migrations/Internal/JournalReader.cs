using System.Globalization;
using LinqToDB;
using LinqToDB.Async;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>Reads a plugin's migration journal, oldest first, on a connection allowed to read it.</summary>
internal static class JournalReader
{
    public static Task<IReadOnlyList<JournalEntry>> ReadAsync(PluginConnection connection, CancellationToken cancellationToken, System.Data.Common.DbTransaction? transaction = null) =>
        ProviderErrors.GuardAsync<IReadOnlyList<JournalEntry>>(async () =>
        {
            // PostgreSQL: the service's own journal table, on a service connection; SQLite: the plugin file's.
            await using var data = connection.Data(transaction);
            if (connection.Provider == StorageProvider.Postgres)
            {
                var schema = connection.Schema;
                var rows = await data.GetTable<PostgresJournalRow>().Where(j => j.SchemaName == schema).OrderBy(j => j.Position)
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                return [.. rows.Select(r => new JournalEntry(r.Version, r.Position, r.Checksum, r.DownScript,
                    DateTime.SpecifyKind(r.AppliedAt, DateTimeKind.Utc), r.DurationMs))];
            }
            var entries = await data.GetTable<SqliteJournalRow>().OrderBy(j => j.Position).ToListAsync(cancellationToken).ConfigureAwait(false);
            return [.. entries.Select(r => new JournalEntry(r.Version, r.Position, r.Checksum, r.DownScript,
                DateTime.Parse(r.AppliedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), r.DurationMs))];
        });
}
