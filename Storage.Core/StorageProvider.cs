namespace Storage.Core;

/// <summary>The database behind the service.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file per plugin; the embedded default for local development.</summary>
    Sqlite,
    /// <summary>One schema and role per plugin in a PostgreSQL database; for production.</summary>
    Postgres,
}
