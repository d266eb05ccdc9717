using Microsoft.Data.Sqlite;
using SQLitePCL;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// Keeps WAL checkpoints off the KV writer's commits. A SQLite connection checkpoints the WAL itself
/// inside the commit that leaves N pages in it (SQLite's default N is 1000), and a checkpoint syncs the
/// WAL and the database file: that commit, and every write queued behind it, waited for two fsyncs
/// (measured: most of the writer's commit time and its p99). While a writer holds a connection its
/// automatic checkpoint is off; after each batch it counts the pages the batch appended
/// (<c>SQLITE_DBSTATUS_CACHE_WRITE</c>), and past <see cref="KvOptions.SqliteWriterCheckpointPages"/>
/// a PASSIVE checkpoint runs on another connection of the file, beside the writer's next commits (WAL
/// mode lets a checkpoint and a writer run at once), and again every such many pages. Such a checkpoint
/// copies the WAL back and syncs it but cannot restart it while the writer keeps appending, so under
/// steady writes the WAL restarts when it reaches four times the setting: the writer then runs a RESTART
/// checkpoint itself before its next batch (only the frames since the last background checkpoint are
/// left to copy and sync); the same bound holds when background checkpoints get no connection. The count lives with the plugin's
/// open file (<see cref="PluginConnection.FileState{T}"/>: every writer of the file adds to it, and it
/// goes when the file closes, which checkpoints the WAL); the connection gets SQLite's automatic
/// checkpoint back when the writer lets it go. Used by one writer at a time (a plugin has one).
/// </summary>
internal sealed class SqliteKvCheckpoints
{
    /// <summary>The hard bound: the writer checkpoints itself at this multiple of the setting.</summary>
    public const int CapFactor = 4;

    // SQLite's SQLITE_DEFAULT_WAL_AUTOCHECKPOINT, which every other connection keeps.
    private const int DefaultPages = 1000;

    // Frames the file's KV writers appended since the WAL last restarted, as far as they know (a restart
    // by anyone else makes this an overestimate, which only brings the next restart forward).
    private long _wal;
    private long _sinceBackground;
    private long _retryAt;
    private Task? _background;

    /// <summary>The count for the plugin's open file.</summary>
    public static SqliteKvCheckpoints Of(PluginConnection connection) =>
        connection.FileState(() => new SqliteKvCheckpoints()) ?? throw new InvalidOperationException("Not a SQLite plugin connection.");

    /// <summary>The writer takes the connection: no checkpoint inside its commits.</summary>
    public static void Hold(PluginConnection connection)
    {
        var handle = Handle(connection);
        raw.sqlite3_wal_autocheckpoint(handle, 0);
        // Pages written by whoever had the connection before (a reader writes none; a previous writer counted its own).
        raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out _, out _, 1);
    }

    /// <summary>The writer lets the connection go: SQLite's automatic checkpoint again, for every other use.</summary>
    public static void Release(PluginConnection connection)
    {
        if (connection.Connection is SqliteConnection { Handle: { } handle })
            raw.sqlite3_wal_autocheckpoint(handle, DefaultPages);
    }

    /// <summary>
    /// After a committed batch: counts its pages; every <paramref name="pages"/> of them starts a background
    /// checkpoint (<paramref name="hooks"/>), and at <see cref="CapFactor"/> times that WAL pages it restarts
    /// the WAL here, waiting for readers of the old one (busy_timeout).
    /// </summary>
    public async Task CommittedAsync(PluginConnection connection, int pages, ISqliteKvCheckpointer hooks)
    {
        var handle = Handle(connection);
        raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        _wal += written;
        _sinceBackground += written;
        if (_background is { IsCompleted: true })
            _background = null;
        if (_wal >= Math.Max((long)pages * CapFactor, _retryAt))
        {
            // A background checkpoint at work holds the checkpoint lock; it ends soon (its connection wait is short).
            if (_background is { } running)
                await running.ConfigureAwait(false);
            _background = null;
            hooks.WriterCheckpointed();
            // The background checkpoints copied and synced most of it: what is left is the frames since the last one.
            var rc = raw.sqlite3_wal_checkpoint_v2(handle, null, raw.SQLITE_CHECKPOINT_RESTART, out _, out _);
            // Busy: a reader held the old WAL past busy_timeout (a long plugin query) or another connection was
            // checkpointing. Try again a setting's worth of pages later rather than after every batch.
            (_wal, _sinceBackground, _retryAt) = rc == raw.SQLITE_OK ? (0, 0, 0) : (_wal, _sinceBackground, _wal + pages);
        }
        else if (_sinceBackground >= pages && _background is null)
        {
            _sinceBackground = 0;
            _background = hooks.CheckpointAsync(connection.Plugin);
        }
    }

    /// <summary>A PASSIVE checkpoint on <paramref name="connection"/> (not the writer's): copies back what no reader still needs.</summary>
    public static void Passive(PluginConnection connection) =>
        raw.sqlite3_wal_checkpoint_v2(Handle(connection), null, raw.SQLITE_CHECKPOINT_PASSIVE, out _, out _);

    private static sqlite3 Handle(PluginConnection connection) => ((SqliteConnection)connection.Connection).Handle!;
}

/// <summary>Where a writer's checkpoints go: the engine runs background ones and counts both kinds.</summary>
internal interface ISqliteKvCheckpointer
{
    /// <summary>Starts a PASSIVE checkpoint of the plugin's file on another connection.</summary>
    Task CheckpointAsync(PluginId plugin);

    /// <summary>A writer checkpoints on its own connection (the WAL reached its hard bound).</summary>
    void WriterCheckpointed();
}
