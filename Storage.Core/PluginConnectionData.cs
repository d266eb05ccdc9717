using System.Data.Common;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.DataProvider.PostgreSQL;
using LinqToDB.DataProvider.SQLite;

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

    internal static DataConnection Open(StorageProvider provider, DbConnection connection, DbTransaction? transaction = null)
    {
        var options = provider == StorageProvider.Postgres ? Postgres : Sqlite;
        var dataProvider = options.ConnectionOptions.DataProvider!;
        options = transaction is null
            ? options.UseConnection(dataProvider, connection, disposeConnection: false)
            : options.UseTransaction(dataProvider, transaction);
        return new DataConnection(options);
    }
}
