using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Kind = Storage.Core.Internal.SqlitePluginFile.ConnectionKind;

namespace Storage.Core.Internal;

/// <summary>
/// SQLite backend: one database file per plugin (<c>&lt;directory&gt;/&lt;plugin&gt;.db</c>) in WAL mode.
/// Every connection, service and plugin alike, comes from the plugin's entry in one LRU of open
/// plugin databases (<see cref="SqlitePluginFiles"/>), so the handles the process keeps on plugin
/// files are bounded by <c>MaxOpenPlugins</c> x <c>MaxConnectionsPerPlugin</c>. Microsoft.Data.Sqlite's
/// own pool is off: it keeps idle handles forever and would hand a plugin connection, authorizer and
/// all, to any opener of the same string.
/// </summary>
internal sealed partial class SqliteDatabase : IPluginDatabase, IDisposable, IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _busyTimeoutMs;
    private readonly TimeSpan _openWait;
    private readonly long? _fileLimit;
    private readonly int _maxValueBytes;

    public SqliteDatabase(IOptions<StorageOptions> options, ILogger<SqliteDatabase>? logger = null, TimeProvider? clock = null)
    {
        var sqlite = options.Value.Sqlite;
        _directory = Path.GetFullPath(sqlite.Directory);
        _busyTimeoutMs = sqlite.BusyTimeoutMs;
        _openWait = TimeSpan.FromMilliseconds(sqlite.OpenWaitMs);
        _maxValueBytes = sqlite.MaxValueBytes;
        _fileLimit = OpenFilesLimit.Read();
        // Before this process's first SQLite connection, or not at all (docs/operations.md, "Open files on SQLite").
        if (SqliteConnectionMemory.PageCacheResult != SQLitePCL.raw.SQLITE_OK)
            LogPageCacheBulkKept(logger ?? NullLogger<SqliteDatabase>.Instance, SqliteConnectionMemory.PageCacheResult);
        SqliteConnectionMemory.LimitCaches(sqlite.CacheLimitMiB);
        var maxOpen = sqlite.MaxOpenPlugins;
        if (_fileLimit is { } limit && OpenFilesLimit.Fitting(limit, sqlite.MaxConnectionsPerPlugin) < maxOpen)
        {
            maxOpen = OpenFilesLimit.Fitting(limit, sqlite.MaxConnectionsPerPlugin);
            // The default is sized for a large limit and fitted to a small one; only a chosen value that does not fit is news.
            if (sqlite.MaxOpenPlugins == SqliteOptions.DefaultMaxOpenPlugins)
                LogFitted(logger ?? NullLogger<SqliteDatabase>.Instance, maxOpen, limit);
            else
                LogClamped(logger ?? NullLogger<SqliteDatabase>.Instance, sqlite.MaxOpenPlugins, limit, maxOpen,
                    OpenFilesLimit.FdsPerPlugin(sqlite.MaxConnectionsPerPlugin), OpenFilesLimit.Reserved(limit));
        }
        Files = new SqlitePluginFiles(maxOpen, sqlite.MaxConnectionsPerPlugin, TimeSpan.FromSeconds(sqlite.IdleCloseSeconds), _openWait, clock ?? TimeProvider.System);
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

    /// <summary>The open plugin databases.</summary>
    internal SqlitePluginFiles Files { get; }

    public string FilePath(PluginId plugin) => Path.Combine(_directory, plugin.Value + ".db");

    public ValueTask<PluginConnection> OpenServiceAsync(PluginId plugin, CancellationToken cancellationToken) =>
        OpenAsync(plugin, Kind.Service, cancellationToken);

    public ValueTask<PluginConnection> OpenPluginAsync(PluginId plugin, PluginAccess access, CancellationToken cancellationToken) =>
        OpenAsync(plugin, access switch { PluginAccess.Read => Kind.Read, PluginAccess.Write => Kind.Write, _ => Kind.Schema }, cancellationToken);

    public async ValueTask<IAsyncDisposable> VisitAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var entry = await Files.EnterAsync(plugin, visit: true, cancellationToken).ConfigureAwait(false);
        return new Visit(Files, entry);
    }

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

    public Task<PluginSize> MeasureAsync(PluginId plugin, CancellationToken cancellationToken) =>
        Task.FromResult(new PluginSize(PluginFiles(plugin).Select(path => new FileInfo(path)).Where(file => file.Exists).Sum(file => file.Length), []));

    public Task<bool> PurgeAsync(PluginId plugin, IEnumerable<IPluginLifecycleObserver> owners, CancellationToken cancellationToken)
    {
        // An open handle would survive the delete and write to a removed file.
        Files.Forget(plugin);
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

    public ValueTask ForgetAsync(PluginId plugin)
    {
        Files.Forget(plugin);
        return ValueTask.CompletedTask;
    }


    /// <summary>Closes every open plugin database (their pooled connections and idle timer).</summary>
    public void Dispose() => Files.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<PluginConnection> OpenAsync(PluginId plugin, Kind kind, CancellationToken cancellationToken)
    {
        var entry = await Files.EnterAsync(plugin, visit: false, cancellationToken).ConfigureAwait(false);
        try
        {
            await entry.PrepareAsync(() => CreateFileAsync(entry)).ConfigureAwait(false);
            var pooled = await entry.RentAsync(kind, () => OpenConnectionAsync(plugin, kind), _openWait, cancellationToken).ConfigureAwait(false);
            return new PluginConnection(plugin, Provider, pooled.Connection, schema: null, release: _ =>
            {
                entry.Return(pooled);
                Files.Exit(entry);
                return true;
            }, pooled.Authorizer, pooled, entry);
        }
        catch
        {
            Files.Exit(entry);
            throw;
        }
    }

    private async Task<SqlitePluginFile.Pooled> OpenConnectionAsync(PluginId plugin, Kind kind)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath(plugin),
            Mode = kind switch { Kind.Service => SqliteOpenMode.ReadWriteCreate, Kind.Read => SqliteOpenMode.ReadOnly, _ => SqliteOpenMode.ReadWrite },
            Pooling = false,
        };
        var connection = await OpenConnectionAsync(plugin, builder.ConnectionString, kind == Kind.Service).ConfigureAwait(false);
        if (kind == Kind.Service)
            return new SqlitePluginFile.Pooled(connection, null, kind);
        var authorizer = new SqliteAuthorizer(kind switch { Kind.Read => PluginAccess.Read, Kind.Write => PluginAccess.Write, _ => PluginAccess.Schema });
        authorizer.Install(connection.Handle!);
        // randomblob(500000000), zeroblob, printf('%.*c', ...) fail at once (error 18, TOO_LARGE) instead of allocating.
        SQLitePCL.raw.sqlite3_limit(connection.Handle, SQLitePCL.raw.SQLITE_LIMIT_LENGTH, _maxValueBytes);
        return new SqlitePluginFile.Pooled(connection, authorizer, kind);
    }

    // service: trusted_schema=OFF, so no view or trigger in the plugin's file can call a non-innocuous function on it.
    private async Task<SqliteConnection> OpenConnectionAsync(PluginId plugin, string connectionString, bool service)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
            SqliteConnectionMemory.Shrink(connection);
            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = $"PRAGMA busy_timeout={_busyTimeoutMs}; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                + (service ? " PRAGMA trusted_schema=OFF;" : "");
            await pragmas.ExecuteNonQueryAsync().ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw CannotOpen(plugin, ex);
        }
    }

    // WAL is a property of the file: set when the entry first opens (a no-op on a file already in WAL).
    private async Task CreateFileAsync(SqlitePluginFile entry)
    {
        var pooled = await entry.RentAsync(Kind.Service, () => OpenConnectionAsync(entry.Plugin, Kind.Service), _openWait, CancellationToken.None).ConfigureAwait(false);
        try
        {
            using var command = pooled.Connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw CannotOpen(entry.Plugin, ex);
        }
        finally
        {
            entry.Return(pooled);
        }
    }

    // Under file-handle exhaustion SQLite says only "unable to open database file" (14, CANTOPEN): say what may be behind it.
    private StorageException CannotOpen(PluginId plugin, SqliteException ex) =>
        new(StorageErrorCode.Unavailable,
            $"The database file of plugin '{plugin}' cannot be opened ({ProviderErrors.DatabaseMessage(ex)}); the host may be at its open-files limit" +
            (_fileLimit is { } limit && limit < long.MaxValue ? $" ({limit})" : "") + ". Retry later.",
            new Dictionary<string, object?> { ["sqlite_code"] = ex.SqliteExtendedErrorCode, ["open_files_limit"] = _fileLimit }, ex);

    private string[] PluginFiles(PluginId plugin)
    {
        var path = FilePath(plugin);
        return [path, path + "-wal", path + "-shm"];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage:Sqlite:MaxOpenPlugins is {Effective}, what the open-files limit {Limit} allows.")]
    private static partial void LogFitted(ILogger logger, int effective, long limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite's page-cache bulk allocation stays on (sqlite3_config answered {Code}: SQLite was already in use in this process, or the platform is not Linux x64/arm64 or Windows x64): each connection on a plugin file holds about 88 KiB more.")]
    private static partial void LogPageCacheBulkKept(ILogger logger, int code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage:Sqlite:MaxOpenPlugins={Configured} does not fit the open-files limit {Limit}; using {Effective} ({PerPlugin} handles per open plugin, {Reserved} kept for everything else). Raise the limit (ulimit -n, LimitNOFILE) or lower the setting.")]
    private static partial void LogClamped(ILogger logger, int configured, long limit, int effective, int perPlugin, long reserved);

    private sealed class Visit(SqlitePluginFiles files, SqlitePluginFile entry) : IAsyncDisposable
    {
        private int _done;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                files.Exit(entry);
            return ValueTask.CompletedTask;
        }
    }
}
