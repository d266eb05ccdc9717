using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Storage.Core.Internal;

/// <summary>
/// SQLite backend: one database file per plugin (<c>&lt;directory&gt;/&lt;plugin&gt;.db</c>) in WAL mode.
/// Service connections are pooled by Microsoft.Data.Sqlite; plugin connections live in pools of their
/// own per plugin and access (<see cref="SqlitePluginPool"/>), so an authorizer installed for
/// plugin-written SQL never reaches a service connection.
/// </summary>
internal sealed class SqliteDatabase : IPluginDatabase, IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<PluginId, byte> _opened = new();
    private readonly string _directory;
    private readonly int _busyTimeoutMs;
    private readonly AsyncOnce<PluginId, bool> _prepared = new();
    private readonly SqlitePluginPool _pool = new();

    public SqliteDatabase(IOptions<StorageOptions> options)
    {
        _directory = Path.GetFullPath(options.Value.Sqlite.Directory);
        _busyTimeoutMs = options.Value.Sqlite.BusyTimeoutMs;
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // CheckAsync reports it at start with the directory's name; a constructor cannot say it as clearly.
        }
    }

    public StorageProvider Provider => StorageProvider.Sqlite;

    public string FilePath(PluginId plugin) => Path.Combine(_directory, plugin.Value + ".db");

    public async ValueTask<PluginConnection> OpenServiceAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        await PrepareAsync(plugin).ConfigureAwait(false);
        var connection = await OpenAsync(ServiceConnectionString(plugin), cancellationToken).ConfigureAwait(false);
        return new PluginConnection(plugin, Provider, connection, schema: null);
    }

    public async ValueTask<PluginConnection> OpenPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken)
    {
        await PrepareAsync(plugin).ConfigureAwait(false);
        if (_pool.TryRent(plugin, access) is { } pooled)
            return Wrap(plugin, access, pooled);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath(plugin),
            Mode = access == PluginAccess.Read ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            // Microsoft.Data.Sqlite's pool would hand this handle, authorizer and all, to any opener of the same string.
            Pooling = false,
        };
        var generation = _pool.Generation(plugin);
        var connection = await OpenAsync(builder.ConnectionString, cancellationToken).ConfigureAwait(false);
        var authorizer = new SqliteAuthorizer(access);
        authorizer.Install(connection.Handle!);
        return Wrap(plugin, access, new SqlitePluginPool.Entry(connection, authorizer, generation));
    }

    private PluginConnection Wrap(PluginId plugin, PluginAccess access, SqlitePluginPool.Entry entry) =>
        new(plugin, Provider, entry.Connection, schema: null, release: _ => _pool.Return(plugin, access, entry), entry.Authorizer);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(_directory, $".storage-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(_directory);
            await File.WriteAllBytesAsync(probe, [1], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(StorageErrorCode.Unavailable,
                $"The SQLite directory '{_directory}' is not writable: {ex.Message}", null, ex);
        }
    }

    public Task<IReadOnlyList<PluginId>> ListPluginsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<PluginId> plugins = Directory.EnumerateFiles(_directory, "*.db")
            .Select(Path.GetFileNameWithoutExtension)
            .Select(name => PluginId.TryParse(name, out var id) ? id : (PluginId?)null)
            .OfType<PluginId>()
            .OrderBy(id => id.Value, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(plugins);
    }

    public Task<long> MeasureAsync(PluginId plugin, CancellationToken cancellationToken) =>
        Task.FromResult(PluginFiles(plugin).Select(path => new FileInfo(path)).Where(file => file.Exists).Sum(file => file.Length));

    public Task<bool> PurgeAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        _prepared.Forget(plugin);
        // Pooled service connections keep the file open; an open handle would survive the delete and write to a removed file.
        using (var pooled = new SqliteConnection(ServiceConnectionString(plugin)))
            SqliteConnection.ClearPool(pooled);
        _pool.Clear(plugin);
        var existed = File.Exists(FilePath(plugin));
        try
        {
            foreach (var path in PluginFiles(plugin))
                File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(StorageErrorCode.Unavailable, $"The files of plugin '{plugin}' could not be deleted: {ex.Message}", null, ex);
        }
        return Task.FromResult(existed);
    }

    private string[] PluginFiles(PluginId plugin)
    {
        var path = FilePath(plugin);
        return [path, path + "-wal", path + "-shm"];
    }

    private string ServiceConnectionString(PluginId plugin) =>
        new SqliteConnectionStringBuilder { DataSource = FilePath(plugin), Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ConnectionString;

    private async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = $"PRAGMA busy_timeout={_busyTimeoutMs}; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new StorageException(StorageErrorCode.Unavailable, "The plugin's database file cannot be opened; retry later.", null, ex);
        }
    }

    // WAL is a property of the file, so it is set once per file and process.
    private Task PrepareAsync(PluginId plugin) =>
        _prepared.GetAsync(plugin, async p =>
        {
            await CreateFileAsync(p).ConfigureAwait(false);
            return true;
        }, CancellationToken.None);

    /// <summary>
    /// On a clean stop: closes every pooled connection and checkpoints each file this process opened
    /// with <c>wal_checkpoint(TRUNCATE)</c>, so no <c>-wal</c> content is left behind for a copy or backup.
    /// </summary>
    public void Dispose()
    {
        _pool.ClearAll();
        SqliteConnection.ClearAllPools();
        foreach (var plugin in _opened.Keys)
        {
            try
            {
                using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = FilePath(plugin), Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ConnectionString);
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"PRAGMA busy_timeout={_busyTimeoutMs}; PRAGMA wal_checkpoint(TRUNCATE);";
                command.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // Purged or locked by another process: its last connection checkpoints it instead.
            }
        }
    }

    private async Task CreateFileAsync(PluginId plugin)
    {
        _opened[plugin] = 0;
        await using var connection = await OpenAsync(ServiceConnectionString(plugin), CancellationToken.None).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
