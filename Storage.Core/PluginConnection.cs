using System.Data.Common;

namespace Storage.Core;

/// <summary>
/// An open connection scoped to one plugin's schema (PostgreSQL) or file (SQLite). Dispose it to
/// return it to its pool.
/// </summary>
public sealed partial class PluginConnection : IAsyncDisposable, IDisposable
{
    private readonly Func<DbConnection, bool>? _release;
    private readonly Internal.SqlitePluginFile.Pooled? _pooled;
    private readonly Internal.SqlitePluginFile? _file;
    private IDisposable? _state;
    private int _disposed;

    // release: called on dispose; true when a pool took the connection back, so it stays open.
    // pooled: the SQLite pool's record of the physical connection, which keeps a tier's state with it.
    internal PluginConnection(PluginId plugin, StorageProvider provider, DbConnection connection, string? schema, Func<DbConnection, bool>? release = null,
        Internal.SqliteAuthorizer? authorizer = null, Internal.SqlitePluginFile.Pooled? pooled = null, Internal.SqlitePluginFile? file = null)
    {
        _pooled = pooled;
        _file = file;
        Authorizer = authorizer;
        Plugin = plugin;
        Provider = provider;
        Connection = connection;
        Schema = schema;
        _release = release;
    }

    /// <summary>The plugin this connection belongs to.</summary>
    public PluginId Plugin { get; }

    /// <summary>The backend.</summary>
    public StorageProvider Provider { get; }

    /// <summary>The open ADO.NET connection (NpgsqlConnection or SqliteConnection).</summary>
    public DbConnection Connection { get; }

    /// <summary>The plugin's PostgreSQL schema name (unquoted), or null on SQLite where the file is the scope.</summary>
    public string? Schema { get; }

    /// <summary>The authorizer guarding a SQLite plugin connection; null on service and PostgreSQL connections.</summary>
    internal Internal.SqliteAuthorizer? Authorizer { get; }

    /// <summary>Set by <see cref="StatementDeadline"/> on PostgreSQL: the timeout of commands created here.</summary>
    internal int? CommandTimeoutSeconds { get; set; }

    /// <summary>The quoted, schema-qualified name of a table in the plugin's scope.</summary>
    public string Qualify(string table) =>
        Schema is null ? QuoteIdentifier(table) : QuoteIdentifier(Schema) + "." + QuoteIdentifier(table);

    /// <summary>Quotes an identifier for both backends (double quotes, embedded quotes doubled).</summary>
    public static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Creates a command on this connection.</summary>
    public DbCommand CreateCommand(string sql, DbTransaction? transaction = null)
    {
        StatementStarted();
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        if (CommandTimeoutSeconds is { } seconds)
            command.CommandTimeout = seconds;
        return command;
    }

    /// <summary>
    /// Creates a batch of commands sent in one round trip (PostgreSQL), under the same time limit as
    /// <see cref="CreateCommand"/>; null when the driver has no batches (Microsoft.Data.Sqlite, in process, needs none).
    /// </summary>
    public DbBatch? CreateBatch(DbTransaction? transaction = null)
    {
        if (!Connection.CanCreateBatch)
            return null;
        StatementStarted();
        var batch = Connection.CreateBatch();
        batch.Transaction = transaction;
        if (CommandTimeoutSeconds is { } seconds)
            batch.Timeout = seconds;
        return batch;
    }

    /// <summary>
    /// A tier's state for this physical connection (its prepared commands): kept with a pooled SQLite
    /// connection across rentals and disposed when it closes; elsewhere disposed with this object.
    /// </summary>
    public T State<T>(Func<PluginConnection, T> create) where T : class, IDisposable
    {
        var current = _pooled is null ? _state : _pooled.State;
        if (current is T existing)
            return existing;
        current?.Dispose();
        var created = create(this);
        if (_pooled is null)
            _state = created;
        else
            _pooled.State = created;
        return created;
    }

    /// <summary>
    /// A tier's state for the plugin's open SQLite file, shared by all its connections (what the KV writer
    /// knows of the file's WAL): created on first use, dropped when the file closes (least recently used,
    /// idle or purged). Null on PostgreSQL.
    /// </summary>
    public T? FileState<T>(Func<T> create) where T : class => _file?.State(create);

    public void Dispose()
    {
        // A second dispose must not return the connection to its pool twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _state?.Dispose();
        if (_release?.Invoke(Connection) != true)
            Connection.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _state?.Dispose();
        if (_release?.Invoke(Connection) != true)
            await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
