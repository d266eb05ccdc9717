using Microsoft.Data.Sqlite;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// A SQLite connection checkpoints the WAL itself when a commit leaves at least N pages in it (SQLite's
/// default N is 1000); that checkpoint syncs the WAL and the database file, so the commit that crosses
/// N waits for two fsyncs. Measured here, that was most of the KV writer's commit time and its p99
/// (1000: 13.9-17.8 ms p99 per commit; 4000: 4.3 ms). While a plugin's KV writer holds a connection it
/// raises N to <see cref="KvOptions.SqliteWriterCheckpointPages"/> and puts SQLite's default back when it
/// lets the connection go. A crash of the process loses nothing acknowledged, as before; with
/// synchronous=NORMAL the WAL is synced at checkpoints, so what a power loss can take grows to N pages,
/// as does a busy plugin's WAL file (16 MiB at 4000 x 4 KiB): both documented in docs/operations.md.
/// The default stays SQLite's 1000: at c=64 the benchmark's KV set p99 was higher with 4000 (28 ms
/// against 15-18 ms), the rarer checkpoints being longer; the setting is there to try on other disks.
/// </summary>
internal static class SqliteKvCheckpoints
{
    // SQLite's SQLITE_DEFAULT_WAL_AUTOCHECKPOINT, which every other connection keeps.
    private const int DefaultPages = 1000;

    // At SQLite's default (the default setting) both calls would set what the connection already has.
    public static void Defer(PluginConnection connection, int pages)
    {
        if (pages != DefaultPages)
            Set(connection, pages);
    }

    public static void Restore(PluginConnection connection, int pages)
    {
        if (pages != DefaultPages)
            Set(connection, DefaultPages);
    }

    private static void Set(PluginConnection connection, int pages)
    {
        if (connection.Connection is SqliteConnection { Handle: { } handle })
            SQLitePCL.raw.sqlite3_wal_autocheckpoint(handle, pages);
    }
}
