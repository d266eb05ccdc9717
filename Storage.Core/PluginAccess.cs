namespace Storage.Core;

/// <summary>What plugin-written SQL may do on a plugin connection; the database enforces it.</summary>
public enum PluginAccess
{
    /// <summary>Reads only (PostgreSQL read-only transactions; the SQLite authorizer denies writes).</summary>
    Read,
    /// <summary>Reads and INSERT/UPDATE/DELETE on the plugin's own tables.</summary>
    Write,
    /// <summary>Everything inside the plugin's own schema or file, DDL included: for migrations.</summary>
    Schema,
}
