using Storage.Core.Providers;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// What the KV tier keeps with one pooled SQLite service connection: its statements and their
/// prepared commands. Created on the connection's first KV use, which is also where the plugin file's
/// KV tables are created if missing and verified free of plugin objects; it lives and dies with the connection.
/// </summary>
internal sealed class KvConnection : IDisposable
{
    private const string TablesPresent = $"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('{ServiceTables.Kv}', '{ServiceTables.KvRevision}')";

    private readonly Microsoft.Data.Sqlite.SqliteConnection _connection;
    private SqliteKvUpsert? _set;
    private SqliteKvUpsert? _setIfAbsent;

    private KvConnection(Microsoft.Data.Sqlite.SqliteConnection connection, KvSql sql, CommandCache commands, SqliteKvGet get)
    {
        _connection = connection;
        Sql = sql;
        Commands = commands;
        Get = get;
    }

    public KvSql Sql { get; }

    public CommandCache Commands { get; }

    /// <summary>The read of one entry, prepared on SQLite's own API (values stay UTF-8).</summary>
    public SqliteKvGet Get { get; }

    /// <summary>
    /// The writer's set and set-if-absent, prepared on SQLite's own API (<see cref="SqliteKvUpsert"/>) on the
    /// connection's first write: most pooled connections only ever read.
    /// </summary>
    public SqliteKvUpsert Set => _set ??= new SqliteKvUpsert(_connection, Sql.Write(KvWriteKind.Set));

    /// <inheritdoc cref="Set"/>
    public SqliteKvUpsert SetIfAbsent => _setIfAbsent ??= new SqliteKvUpsert(_connection, Sql.Write(KvWriteKind.SetIfAbsent));

    public static KvConnection Of(PluginConnection connection) => connection.State(Open);

    public void Dispose()
    {
        Get.Dispose();
        _set?.Dispose();
        _setIfAbsent?.Dispose();
        Commands.Dispose();
    }

    private static KvConnection Open(PluginConnection connection)
    {
        var sql = KvSql.Sqlite;
        // Only a missing table needs the CREATE script: its INSERT would take the write lock on every new connection.
        using (var present = connection.CreateCommand(TablesPresent))
        {
            if (Convert.ToInt64(present.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) < 2)
            {
                using var create = connection.CreateCommand(sql.CreateTables);
                create.ExecuteNonQuery();
            }
        }
        // Fails closed when anything but the service's own objects touches its tables (docs/security.md).
        SqliteServiceTables.Verify(connection);
        var sqlite = (Microsoft.Data.Sqlite.SqliteConnection)connection.Connection;
        return new KvConnection(sqlite, sql, new CommandCache(connection.Connection), new SqliteKvGet(sqlite, sql.Get));
    }
}
