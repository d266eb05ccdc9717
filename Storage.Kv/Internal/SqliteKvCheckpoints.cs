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
/// mode lets a checkpoint and a writer run at once). Should the WAL still reach four times that (the
/// background checkpoints cannot catch up, or never got a connection), the writer runs a RESTART
/// checkpoint itself before its next batch, so the WAL stays bounded. The count lives with the
/// connection (<see cref="KvConnection"/>), as does the last background checkpoint; the connection gets
/// SQLite's automatic checkpoint back when the writer lets it go. Used by one writer at a time.
/// </summary>
internal sealed class SqliteKvCheckpoints
{
    /// <summary>The hard bound: the writer checkpoints itself at this multiple of the setting.</summary>
    public const int CapFactor = 4;

    // SQLite's SQLITE_DEFAULT_WAL_AUTOCHECKPOINT, which every other connection keeps.
    private const int DefaultPages = 1000;

    // Pages this connection's writers appended that no complete checkpoint is known to have copied back.
    private long _pages;
    private long _pagesAtStart;
    private long _retryAt;
    private Task<bool>? _background;

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
    /// After a committed batch: counts its pages; starts a background checkpoint past <paramref name="pages"/>
    /// (<paramref name="hooks"/> runs it elsewhere and says whether it copied the whole WAL back),
    /// or checkpoints here, waiting for readers, past <see cref="CapFactor"/> times that.
    /// </summary>
    public async Task CommittedAsync(PluginConnection connection, int pages, ISqliteKvCheckpointer hooks)
    {
        var handle = Handle(connection);
        raw.sqlite3_db_status(handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        _pages += written;
        if (_background is { IsCompleted: true } done)
        {
            // A complete checkpoint copied everything appended before it started; the next write restarts the WAL.
            if (done.IsCompletedSuccessfully && done.Result)
                _pages = Math.Max(0, _pages - _pagesAtStart);
            _background = null;
        }
        if (_pages >= Math.Max((long)pages * CapFactor, _retryAt))
        {
            if (_background is { } running)
                await running.ConfigureAwait(false);
            _background = null;
            hooks.WriterCheckpointed();
            // RESTART waits (busy_timeout) for readers of the old WAL, so the next write starts it from the top.
            // A reader holding the WAL past that (a long plugin query) makes it give up: try again a setting's worth later.
            var rc = raw.sqlite3_wal_checkpoint_v2(handle, null, raw.SQLITE_CHECKPOINT_RESTART, out _, out _);
            (_pages, _retryAt) = rc == raw.SQLITE_OK ? (0, 0) : (_pages, _pages + pages);
        }
        else if (_pages >= pages && _background is null)
        {
            _pagesAtStart = _pages;
            _background = hooks.CheckpointAsync(connection.Plugin);
        }
    }

    /// <summary>A PASSIVE checkpoint on <paramref name="connection"/> (not the writer's); true when it copied the whole WAL back.</summary>
    public static bool Passive(PluginConnection connection)
    {
        var rc = raw.sqlite3_wal_checkpoint_v2(Handle(connection), null, raw.SQLITE_CHECKPOINT_PASSIVE, out var log, out var copied);
        return rc == raw.SQLITE_OK && log == copied;
    }

    private static sqlite3 Handle(PluginConnection connection) => ((SqliteConnection)connection.Connection).Handle!;
}

/// <summary>Where a writer's checkpoints go: the engine runs background ones and counts both kinds.</summary>
internal interface ISqliteKvCheckpointer
{
    /// <summary>Starts a PASSIVE checkpoint of the plugin's file on another connection; true when it copied the whole WAL back.</summary>
    Task<bool> CheckpointAsync(PluginId plugin);

    /// <summary>A writer checkpoints on its own connection (the WAL reached its hard bound).</summary>
    void WriterCheckpointed();
}
