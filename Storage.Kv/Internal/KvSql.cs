using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// The KV statements for one plugin connection. Keys compare in code point order on both backends
/// (SQLite BINARY, PostgreSQL COLLATE "C"); values are stored as their exact JSON text.
/// Revisions come from one counter per plugin, so a revision is never reused, even after a delete.
/// </summary>
internal sealed class KvSql
{
    private const string Live = "(kv.expires_at IS NULL OR kv.expires_at > @now)";

    public KvSql(PluginConnection connection)
    {
        IsPostgres = connection.Provider == StorageProvider.Postgres;
        Table = connection.Qualify(ServiceTables.Kv);
        Counter = connection.Qualify(ServiceTables.KvRevision);
        // PostgreSQL draws revisions from a sequence inside the statement; SQLite passes one drawn in the same transaction.
        Revision = IsPostgres ? $"nextval('{Counter.Replace("'", "''", StringComparison.Ordinal)}')" : "@rev";
    }

    public bool IsPostgres { get; }

    public string Table { get; }

    public string Counter { get; }

    public string Revision { get; }

    public string CreateTables => IsPostgres
        ? $"""
          CREATE TABLE IF NOT EXISTS {Table} (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, revision bigint NOT NULL, expires_at bigint);
          CREATE INDEX IF NOT EXISTS "_storage_kv_expires" ON {Table} (expires_at) WHERE expires_at IS NOT NULL;
          CREATE SEQUENCE IF NOT EXISTS {Counter};
          """
        : $"""
          CREATE TABLE IF NOT EXISTS {Table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID;
          CREATE INDEX IF NOT EXISTS "_storage_kv_expires" ON {Table} (expires_at) WHERE expires_at IS NOT NULL;
          CREATE TABLE IF NOT EXISTS {Counter} (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
          INSERT OR IGNORE INTO {Counter} (id, revision) VALUES (1, 0);
          """;

    /// <summary>PostgreSQL: a transaction lock on (KV, schema), held while the tables are created.</summary>
    public const string LockForCreate = "SELECT pg_advisory_xact_lock(19286, hashtext(@scope))";

    public string NextSqliteRevision => $"UPDATE {Counter} SET revision = revision + 1 WHERE id = 1 RETURNING revision";

    public string Set => $"""
        INSERT INTO {Table} AS kv (key, value, revision, expires_at) VALUES (@key, @value, {Revision}, @expires)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at
        RETURNING revision
        """;

    // The existing row is replaced only when it has expired; a live one makes the statement return nothing.
    public string SetIfAbsent => $"""
        INSERT INTO {Table} AS kv (key, value, revision, expires_at) VALUES (@key, @value, {Revision}, @expires)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at
        WHERE NOT {Live}
        RETURNING revision
        """;

    public string SetIfRevision => $"""
        UPDATE {Table} AS kv SET value = @value, revision = {Revision}, expires_at = @expires
        WHERE kv.key = @key AND kv.revision = @expected AND {Live}
        RETURNING revision
        """;

    public string Get => $"SELECT kv.value, kv.revision, kv.expires_at FROM {Table} AS kv WHERE kv.key = @key AND {Live}";

    public string GetForUpdate => Get + (IsPostgres ? " FOR UPDATE" : "");

    public string Delete => $"DELETE FROM {Table} AS kv WHERE kv.key = @key AND {Live}";

    public string Insert => $"""
        INSERT INTO {Table} AS kv (key, value, revision, expires_at) VALUES (@key, @value, {Revision}, @expires)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at
        WHERE NOT {Live}
        RETURNING revision
        """;

    public string Update => $"""
        UPDATE {Table} AS kv SET value = @value, revision = {Revision}, expires_at = @expires
        WHERE kv.key = @key AND {Live}
        RETURNING revision
        """;

    public string List(bool hasPrefix, bool hasUpper, bool hasAfter) =>
        $"SELECT kv.key FROM {Table} AS kv WHERE {Live}"
        + (hasPrefix ? " AND kv.key >= @prefix" : "")
        + (hasUpper ? " AND kv.key < @upper" : "")
        + (hasAfter ? " AND kv.key > @after" : "")
        + " ORDER BY kv.key LIMIT @take";

    public string Sweep => $"DELETE FROM {Table} WHERE expires_at IS NOT NULL AND expires_at <= @now";
}
