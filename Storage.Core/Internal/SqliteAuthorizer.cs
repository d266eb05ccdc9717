using SQLitePCL;

namespace Storage.Core.Internal;

/// <summary>
/// The SQLite authorizer installed on every connection that runs plugin-written SQL. It keeps the
/// statement inside the plugin's own file (no ATTACH/DETACH, no other database, no temp objects),
/// away from the service's <c>_storage_</c> tables, and within what <see cref="PluginAccess"/> allows.
/// </summary>
internal sealed class SqliteAuthorizer
{
    private const int Ok = 0;
    private const int Deny = 1;

    // Read-only pragmas that describe the plugin's own tables; everything else is refused.
    private static readonly HashSet<string> ReadOnlyPragmas = new(StringComparer.OrdinalIgnoreCase)
    {
        "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    };

    private readonly PluginAccess _access;

    public SqliteAuthorizer(PluginAccess access)
    {
        _access = access;
        Callback = Authorize;
    }

    /// <summary>The delegate handed to SQLite; kept here so it lives as long as the connection.</summary>
    public strdelegate_authorizer Callback { get; }

    /// <summary>
    /// While true, statements prepared on this connection are the service's own (journal rows,
    /// BEGIN/COMMIT around a migration) and pass. The authorizer runs at prepare time, so the service
    /// sets it only around preparing its own statements, never while plugin-written SQL is prepared.
    /// </summary>
    public bool Trusted { get; set; }

    /// <summary>
    /// False while a migration script runs: BEGIN, COMMIT, ROLLBACK and savepoints would let the
    /// script end the service's transaction and break the all-or-nothing apply.
    /// </summary>
    public bool AllowTransactionControl { get; set; } = true;

    /// <summary>Back to the defaults before a pooled connection is reused.</summary>
    public void Reset()
    {
        Trusted = false;
        AllowTransactionControl = true;
    }

    public void Install(sqlite3 handle)
    {
        raw.sqlite3_enable_load_extension(handle, 0);
        raw.sqlite3_set_authorizer(handle, Callback, null);
    }

    private int Authorize(object userData, int action, string param0, string param1, string dbName, string trigger)
    {
        if (Trusted)
            return Ok;
        // For ALTER TABLE SQLite passes the database first and puts a dropped column's name in the database slot.
        var database = action == raw.SQLITE_ALTER_TABLE ? param0 : dbName;
        if (database is not null && database != "main")
            return IsTempSchemaMaintenance(action, param0, database) ? Ok : Deny;
        return action switch
        {
            raw.SQLITE_TRANSACTION or raw.SQLITE_SAVEPOINT => AllowTransactionControl ? Ok : Deny,
            raw.SQLITE_SELECT or raw.SQLITE_RECURSIVE => Ok,
            raw.SQLITE_READ => IsReserved(param0) ? Deny : Ok,
            raw.SQLITE_FUNCTION => string.Equals(param1, "load_extension", StringComparison.OrdinalIgnoreCase) ? Deny : Ok,
            raw.SQLITE_PRAGMA => ReadOnlyPragmas.Contains(param0) && !IsReserved(param1) ? Ok : Deny,
            raw.SQLITE_INSERT or raw.SQLITE_UPDATE or raw.SQLITE_DELETE => AuthorizeWrite(param0),
            raw.SQLITE_CREATE_TABLE or raw.SQLITE_CREATE_VIEW or raw.SQLITE_DROP_TABLE or raw.SQLITE_DROP_VIEW
                or raw.SQLITE_ANALYZE or raw.SQLITE_REINDEX => AuthorizeSchema(param0),
            // SQLite names the index of a UNIQUE or non-integer PRIMARY KEY constraint itself (plugins cannot use sqlite_ names).
            raw.SQLITE_CREATE_INDEX when param0.StartsWith("sqlite_autoindex_", StringComparison.OrdinalIgnoreCase) => AuthorizeSchema(param1),
            raw.SQLITE_CREATE_INDEX or raw.SQLITE_DROP_INDEX or raw.SQLITE_CREATE_TRIGGER or raw.SQLITE_DROP_TRIGGER =>
                AuthorizeSchema(param0) == Ok ? AuthorizeSchema(param1) : Deny,
            raw.SQLITE_ALTER_TABLE => AuthorizeSchema(param1),
            // ATTACH, DETACH, temp objects, virtual tables and anything newer are refused.
            _ => Deny,
        };
    }

    // ALTER TABLE ... RENAME / DROP COLUMN rewrites references in the temp schema table too; no temp
    // objects can exist, and SQLite itself refuses direct writes to a schema table.
    private bool IsTempSchemaMaintenance(int action, string table, string dbName) =>
        _access == PluginAccess.Schema && dbName == "temp" && action is raw.SQLITE_READ or raw.SQLITE_UPDATE
        && (table.Equals("sqlite_temp_master", StringComparison.OrdinalIgnoreCase) || table.Equals("sqlite_temp_schema", StringComparison.OrdinalIgnoreCase));

    private int AuthorizeWrite(string table)
    {
        if (IsSchemaTable(table))
            return _access == PluginAccess.Schema ? Ok : Deny; // SQLite writes its schema table itself during DDL.
        if (IsReserved(table))
            return Deny;
        return _access == PluginAccess.Read ? Deny : Ok;
    }

    private int AuthorizeSchema(string name) =>
        _access == PluginAccess.Schema && !IsReserved(name) ? Ok : Deny;

    // sqlite_sequence holds the plugin's own AUTOINCREMENT counters; SQLite writes it while running plugin DDL and inserts.
    private static bool IsReserved(string? name) =>
        name is not null && (ServiceTables.IsReserved(name)
            || (name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase) && !IsSchemaTable(name)
                && !name.Equals("sqlite_sequence", StringComparison.OrdinalIgnoreCase)));

    private static bool IsSchemaTable(string? name) =>
        name is not null && (name.Equals("sqlite_master", StringComparison.OrdinalIgnoreCase) || name.Equals("sqlite_schema", StringComparison.OrdinalIgnoreCase));
}
