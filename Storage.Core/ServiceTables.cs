namespace Storage.Core;

/// <summary>
/// Names of the service's bookkeeping tables inside each plugin's SQLite file. Everything starting
/// with <see cref="Prefix"/> is refused to plugin-written SQL. On PostgreSQL the service keeps this
/// bookkeeping in its own <c>_storage</c> schema instead, and the prefix protects nothing there
/// (a plugin table of such a name is just the plugin's table; see docs/security.md).
/// </summary>
public static class ServiceTables
{
    /// <summary>The reserved prefix.</summary>
    public const string Prefix = "_storage_";

    /// <summary>The KV entries.</summary>
    public const string Kv = "_storage_kv";

    /// <summary>The KV revision counter.</summary>
    public const string KvRevision = "_storage_kv_revision";

    /// <summary>The migration journal.</summary>
    public const string Migrations = "_storage_migrations";

    /// <summary>Whether a table name is reserved for the service.</summary>
    public static bool IsReserved(string name) => name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
}
