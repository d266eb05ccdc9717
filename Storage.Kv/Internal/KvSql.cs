using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// The KV statements. Keys compare in code point order on both backends (SQLite BINARY,
/// PostgreSQL COLLATE "C"); values are stored as their exact JSON text. Revisions only grow and are
/// never reused, even after a delete: SQLite keeps one counter in the plugin's file, PostgreSQL draws
/// them from one service-wide sequence (so a plugin sees gaps). On PostgreSQL every plugin's entries
/// live in the service-owned <c>_storage.kv</c>, keyed by <c>@plugin</c>, where no plugin role has any
/// right (docs/security.md); on SQLite they live in the plugin's file. Every write is a single
/// statement returning what the caller needs, so writes can be batched.
/// </summary>
internal sealed class KvSql
{
    private const string Live = "(kv.expires_at IS NULL OR kv.expires_at > @now)";

    /// <summary>The PostgreSQL statements (the same for every plugin).</summary>
    public static readonly KvSql Postgres = new(isPostgres: true);

    /// <summary>The SQLite statements (the same for every plugin file).</summary>
    public static readonly KvSql Sqlite = new(isPostgres: false);

    private KvSql(bool isPostgres)
    {
        IsPostgres = isPostgres;
        Table = isPostgres ? "_storage.kv" : PluginConnection.QuoteIdentifier(ServiceTables.Kv);
        Counter = isPostgres ? "_storage.kv_revision" : PluginConnection.QuoteIdentifier(ServiceTables.KvRevision);
        // PostgreSQL draws revisions from a sequence inside the statement; SQLite's single writer passes them in.
        Revision = isPostgres ? "pg_catalog.nextval('_storage.kv_revision'::pg_catalog.regclass)" : "@rev";
        Scope = isPostgres ? "kv.plugin = @plugin AND " : "";
        // Values arrive as UTF-8 bytes: PostgreSQL takes them as text; SQLite binds bytes as a BLOB,
        // which CAST turns into TEXT by reading the same bytes in the file's encoding (UTF-8), unchanged.
        Value = isPostgres ? "@value" : "CAST(@value AS TEXT)";
    }

    // PostgreSQL: the rows of the plugin the command is for.
    private string Scope { get; }

    public bool IsPostgres { get; }

    public string Table { get; }

    public string Counter { get; }

    private string Revision { get; }

    private string Value { get; }

    /// <summary>SQLite only: the tables in the plugin's file (PostgreSQL's are created at the service's bootstrap).</summary>
    public string CreateTables => $"""
          CREATE TABLE IF NOT EXISTS {Table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL, expires_at INTEGER) WITHOUT ROWID;
          CREATE INDEX IF NOT EXISTS "_storage_kv_expires" ON {Table} (expires_at) WHERE expires_at IS NOT NULL;
          CREATE TABLE IF NOT EXISTS {Counter} (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
          INSERT OR IGNORE INTO {Counter} (id, revision) VALUES (1, 0);
          """;

    public string ReadCounter => $"SELECT revision FROM {Counter} WHERE id = 1";

    public string WriteCounter => $"UPDATE {Counter} SET revision = @rev WHERE id = 1";

    /// <summary>The statement for a write kind; parameters: key, value, expires, now, and expected/by/has_ttl where used.</summary>
    public string Write(KvWriteKind kind) => kind switch
    {
        KvWriteKind.Set => Upsert(""),
        // An existing row is replaced only when it has expired; a live one makes the statement return nothing.
        KvWriteKind.SetIfAbsent => Upsert($"WHERE NOT {Live}"),
        KvWriteKind.SetIfRevision => $"""
            UPDATE {Table} AS kv SET value = {Value}, revision = {Revision}, expires_at = @expires
            WHERE {Scope}kv.key = @key AND kv.revision = @expected AND {Live}
            RETURNING revision
            """,
        KvWriteKind.Delete => $"DELETE FROM {Table} AS kv WHERE {Scope}kv.key = @key AND {Live} RETURNING 1",
        KvWriteKind.Incr when IsPostgres => $"""
            INSERT INTO {Table} AS kv (plugin, key, value, revision, expires_at) VALUES (@plugin, @key, @value, {Revision}, @expires)
            ON CONFLICT (plugin, key) DO UPDATE SET
              value = CASE WHEN {Live} THEN (kv.value::bigint + @by)::text ELSE excluded.value END,
              revision = excluded.revision,
              expires_at = CASE WHEN @has_ttl THEN excluded.expires_at WHEN {Live} THEN kv.expires_at ELSE NULL END
            WHERE NOT {Live} OR kv.value ~ '^-?[0-9]+$'
            RETURNING value, revision
            """,
        // SQLite's single writer computes counters itself: it reads with Get and writes with Set.
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public string Get => $"SELECT kv.value, kv.revision, kv.expires_at FROM {Table} AS kv WHERE {Scope}kv.key = @key AND {Live}";

    /// <summary>
    /// PostgreSQL only: the live entries for many (plugin, key, now) triples at once, each returned with
    /// its 1-based position in the arrays. The keys are compared in the key column's collation ("C",
    /// whatever the database's default), so the primary key index serves every lookup (checked with
    /// EXPLAIN, generic plan included). ROWS FROM: the multi-array <c>unnest</c> is syntax that a
    /// schema-qualified name does not get.
    /// </summary>
    public const string GetMany = """
        SELECT k.i, kv.value, kv.revision, kv.expires_at
        FROM ROWS FROM (pg_catalog.unnest(@plugins::text[]), pg_catalog.unnest(@keys::text[]), pg_catalog.unnest(@nows::bigint[]))
          WITH ORDINALITY AS k(plugin, key, now, i)
        JOIN _storage.kv AS kv ON kv.plugin = k.plugin AND kv.key = k.key COLLATE "C"
        WHERE kv.expires_at IS NULL OR kv.expires_at > k.now
        """;

    public string List(bool hasPrefix, bool hasUpper, bool hasAfter) =>
        $"SELECT kv.key FROM {Table} AS kv WHERE {Scope}{Live}"
        + (hasPrefix ? " AND kv.key >= @prefix" : "")
        + (hasUpper ? " AND kv.key < @upper" : "")
        + (hasAfter ? " AND kv.key > @after" : "")
        + " ORDER BY kv.key LIMIT @take";

    /// <summary>Binds a page request to a command made from <see cref="List(KvKeyRange)"/> for the same range.</summary>
    public static System.Data.Common.DbCommand BindList(System.Data.Common.DbCommand command, KvKeyRange range)
    {
        command.With("now", range.Now).With("take", range.Take);
        if (range.Prefix is not null)
            command.With("prefix", range.Prefix);
        if (range.Upper is not null)
            command.With("upper", range.Upper);
        if (range.After is not null)
            command.With("after", range.After);
        return command;
    }

    public string List(KvKeyRange range) => List(range.Prefix is not null, range.Upper is not null, range.After is not null);

    public string Sweep => $"DELETE FROM {Table} AS kv WHERE {Scope}kv.expires_at IS NOT NULL AND kv.expires_at <= @now";

    private string Upsert(string condition) => IsPostgres
        ? $"""
          INSERT INTO {Table} AS kv (plugin, key, value, revision, expires_at) VALUES (@plugin, @key, @value, {Revision}, @expires)
          ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at
          {condition}
          RETURNING revision
          """
        : $"""
        INSERT INTO {Table} AS kv (key, value, revision, expires_at) VALUES (@key, {Value}, {Revision}, @expires)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision, expires_at = excluded.expires_at
        {condition}
        RETURNING revision
        """;
}
