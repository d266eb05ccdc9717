using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Kv.Internal;

/// <summary>
/// The SQLite writer's set and set-if-absent as statements prepared once per connection on SQLite's own
/// API, bound by index: through Microsoft.Data.Sqlite every write allocated five parameters, looked each
/// up by name in the statement and opened a data reader for the one revision it returns (measured on the
/// writer, docs/performance.md "kv_set on SQLite: what bounds it"). Runs inside the writer's open
/// transaction, like any statement on the connection. Used by one caller at a time.
/// </summary>
internal sealed class SqliteKvUpsert : SqliteRawStatement
{
    private readonly int _key;
    private readonly int _value;
    private readonly int _revision;
    private readonly int _expires;
    private readonly int _now;

    public SqliteKvUpsert(SqliteConnection connection, string sql)
        : base(connection, sql)
    {
        _key = Index("@key");
        _value = Index("@value");
        _revision = Index("@rev");
        _expires = Index("@expires");
        // Only set-if-absent compares with the clock (an expired row counts as absent).
        _now = Index("@now");
    }

    /// <summary>Writes the entry at <paramref name="revision"/>; false when the statement's condition left the row alone.</summary>
    public bool Write(KvWrite write, long revision)
    {
        try
        {
            Check(raw.sqlite3_bind_text(Statement, _key, write.Key));
            // A BLOB of the UTF-8 text, which the statement's CAST stores as TEXT unchanged (KvSql.Value).
            Check(raw.sqlite3_bind_blob(Statement, _value, write.Value!));
            Check(raw.sqlite3_bind_int64(Statement, _revision, revision));
            Check(write.ExpiresAt is { } expires ? raw.sqlite3_bind_int64(Statement, _expires, expires) : raw.sqlite3_bind_null(Statement, _expires));
            if (_now > 0)
                Check(raw.sqlite3_bind_int64(Statement, _now, write.Now));
            var step = raw.sqlite3_step(Statement);
            if (step == raw.SQLITE_ROW)
                return true;
            if (step != raw.SQLITE_DONE)
                Check(step);
            return false;
        }
        finally
        {
            raw.sqlite3_reset(Statement);
        }
    }
}
