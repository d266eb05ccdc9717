using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Kv.Internal;

/// <summary>
/// A statement prepared once per connection on SQLite's own API, kept for the connection's life
/// (<see cref="SqliteKvGet"/>, <see cref="SqliteKvUpsert"/>): errors raised as Microsoft.Data.Sqlite
/// raises them. Used by one caller at a time.
/// </summary>
internal abstract class SqliteRawStatement : IDisposable
{
    protected SqliteRawStatement(SqliteConnection connection, string sql)
    {
        Db = connection.Handle!;
        Check(raw.sqlite3_prepare_v3(Db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement));
        Statement = statement;
    }

    protected sqlite3 Db { get; }

    protected sqlite3_stmt Statement { get; }

    public void Dispose()
    {
        Statement.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The 1-based index of a named parameter, 0 when the statement has none of that name.</summary>
    protected int Index(string name) => raw.sqlite3_bind_parameter_index(Statement, name);

    protected void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, Db);
    }
}
