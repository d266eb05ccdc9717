using System.Buffers;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Kv.Internal;

/// <summary>
/// The SQLite KV read as a statement prepared once per connection on SQLite's own API: the value's
/// UTF-8 bytes are copied from SQLite's buffer straight into a pooled array, where
/// Microsoft.Data.Sqlite would decode a string (or copy a fresh array) for every read. Runs inside
/// the connection's open transaction, if any, like any statement on it. Used by one caller at a time.
/// </summary>
internal sealed class SqliteKvGet : SqliteRawStatement
{
    private readonly int _key;
    private readonly int _now;

    public SqliteKvGet(SqliteConnection connection, string sql)
        : base(connection, sql)
    {
        _key = Index("@key");
        _now = Index("@now");
    }

    /// <summary>
    /// Reads each queued get into <paramref name="entries"/>, several under one read transaction (one WAL
    /// snapshot and lock for all); on an error the entries read so far are the caller's to return.
    /// </summary>
    public void ReadMany(List<SqliteKvReader.Pending> gets, KvEntry?[] entries)
    {
        if (gets.Count == 1)
        {
            entries[0] = Read(gets[0].Key, gets[0].Now);
            return;
        }
        Check(raw.sqlite3_exec(Db, "BEGIN"));
        try
        {
            for (var i = 0; i < gets.Count; i++)
                entries[i] = Read(gets[i].Key, gets[i].Now);
        }
        finally
        {
            // A read transaction: ending it cannot lose anything (and leaves the connection clean for the pool).
            raw.sqlite3_exec(Db, "COMMIT");
        }
    }

    public KvEntry? Read(string key, long now)
    {
        try
        {
            Check(raw.sqlite3_bind_text(Statement, _key, key));
            Check(raw.sqlite3_bind_int64(Statement, _now, now));
            var step = raw.sqlite3_step(Statement);
            if (step == raw.SQLITE_DONE)
                return null;
            if (step != raw.SQLITE_ROW)
                Check(step);
            // sqlite3_column_blob of a TEXT value is its text in the file's encoding (UTF-8), unconverted.
            var value = raw.sqlite3_column_blob(Statement, 0);
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(value.Length, 1));
            value.CopyTo(buffer);
            long? expires = raw.sqlite3_column_type(Statement, 2) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(Statement, 2);
            return new KvEntry(buffer, value.Length, raw.sqlite3_column_int64(Statement, 1), expires);
        }
        finally
        {
            raw.sqlite3_reset(Statement);
        }
    }
}
