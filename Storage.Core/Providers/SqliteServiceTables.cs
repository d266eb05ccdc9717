using System.Data.Common;

namespace Storage.Core.Providers;

/// <summary>
/// Before the service uses its <c>_storage_</c> tables in a plugin's file, checks that the plugin has
/// attached nothing to them: no trigger or view that names them, no index on them but the service's
/// own. The authorizer already refuses creating such objects; this is the second wall, so an
/// authorizer gap cannot make the service's connection run plugin SQL (see docs/security.md).
/// </summary>
public static class SqliteServiceTables
{
    // LIKE is case-insensitive for ASCII, as SQLite's names are.
    private const string FindSql = """
        SELECT type, name FROM sqlite_master
         WHERE (type IN ('trigger', 'view') AND (tbl_name LIKE '\_storage\_%' ESCAPE '\' OR sql LIKE '%\_storage\_%' ESCAPE '\'))
            OR (type = 'index' AND tbl_name LIKE '\_storage\_%' ESCAPE '\'
                AND name NOT LIKE 'sqlite\_autoindex\_%' ESCAPE '\' AND name <> '_storage_kv_expires')
            OR (type = 'table' AND name LIKE '\_storage\_%' ESCAPE '\' AND name NOT IN ('_storage_kv', '_storage_kv_revision', '_storage_migrations'))
         ORDER BY name LIMIT 1
        """;

    /// <summary>Raises <see cref="StorageErrorCode.Forbidden"/> naming the first foreign object found.</summary>
    public static void Verify(PluginConnection connection, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand(FindSql, transaction);
        using var reader = command.ExecuteReader();
        if (reader.Read())
            throw new StorageException(StorageErrorCode.Forbidden,
                $"The plugin's database file holds the {reader.GetString(0)} '{reader.GetString(1)}' on the storage service's own tables " +
                $"(prefix {ServiceTables.Prefix}); the service will not use them until an operator removes it.");
    }
}
