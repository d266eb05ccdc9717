using System.Data.Common;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using LinqToDB.DataProvider.SQLite;
using LinqToDB.Mapping;
using Microsoft.Data.Sqlite;

namespace Storage.Core;

/// <summary>
/// linq2db on a connection the caller already holds, for the service's own fixed-schema tables
/// (plugin registry, migration journal and tickets, KV inspection): typed mappings replace
/// hand-written readers there. Never used for plugin tables, whose schema is only known at run time,
/// nor on the KV hot path, which stays on prepared commands.
/// </summary>
public static class PluginConnectionData
{
    // Plain linq2db carries both providers; only the ADO.NET drivers (Npgsql, Microsoft.Data.Sqlite) come from elsewhere.
    private static readonly DataOptions Postgres = new DataOptions().UsePostgreSQL(PostgreSQLVersion.v15);
    private static readonly DataOptions Sqlite = new DataOptions().UseSQLite(SQLiteProvider.Microsoft);

    /// <summary>
    /// A linq2db connection over <paramref name="connection"/> (and <paramref name="transaction"/> when given);
    /// disposing it leaves the connection open, for its owner to return to the pool.
    /// </summary>
    public static DataConnection Data(this PluginConnection connection, DbTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Open(connection.Provider, connection.Connection, transaction);
    }

    /// <summary>
    /// Runs one query through linq2db on a private in-memory SQLite database. linq2db's first query in a
    /// process pays its one-time set-up (JIT, mapping, expression compilation: seconds on a loaded machine,
    /// measured 8-11 s at load 35 on 2 cores, against 30-130 ms for the next one); a host calls this once at
    /// start so that no request, such as a plugin's first migration after a restart, pays it.
    /// </summary>
    public static void WarmUp()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE warm_up (name TEXT PRIMARY KEY, at INTEGER)";
            create.ExecuteNonQuery();
        }
        using var data = Open(StorageProvider.Sqlite, connection);
        data.Insert(new WarmUpRow { Name = "a", At = 1 });
        _ = data.GetTable<WarmUpRow>().Where(r => r.Name != "" && r.At > 0).OrderBy(r => r.Name).ToList();
        data.GetTable<WarmUpRow>().Where(r => r.Name == "a").Delete();
    }

    internal static DataConnection Open(StorageProvider provider, DbConnection connection, DbTransaction? transaction = null)
    {
        var options = provider == StorageProvider.Postgres ? Postgres : Sqlite;
        var dataProvider = options.ConnectionOptions.DataProvider!;
        options = transaction is null
            ? options.UseConnection(dataProvider, connection, disposeConnection: false)
            : options.UseTransaction(dataProvider, transaction);
        return new DataConnection(options);
    }

    [Table("warm_up")]
    private sealed class WarmUpRow
    {
        [Column("name"), PrimaryKey] public string Name { get; set; } = "";
        [Column("at")] public long At { get; set; }
    }
}
