using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// Keeps this host's caches coherent with the other hosts on the same PostgreSQL database. One
/// dedicated connection LISTENs on <see cref="PostgresChangeSql.Channel"/>; on every notification, on
/// every reconnect and every <see cref="Resync"/> it reads the changes recorded in
/// <c>_storage.plugin_changes</c> since the epoch it last applied, drops the caches of exactly those
/// plugins, and then shows the applied epoch in its session's application_name, which
/// <see cref="WaitForPeersAsync"/> on the host that made a change reads. A notification carries
/// nothing (anyone may send one): a spoofed one costs a host one small query, at most one per
/// <see cref="SpuriousPause"/>. Runs only as a hosted service on PostgreSQL; elsewhere it does nothing.
/// </summary>
internal sealed partial class PostgresChangeListener(IPluginDatabase database, PluginCaches caches, IOptions<StorageOptions> options,
    ILogger<PostgresChangeListener>? logger = null) : IHostedService, IAsyncDisposable
{
    // An embedding app need not call AddLogging().
    private readonly ILogger _logger = logger ?? NullLogger<PostgresChangeListener>.Instance;
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SpuriousPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxPeerPause = TimeSpan.FromMilliseconds(50);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PostgresDatabase? _postgres;
    private Task _loop = Task.CompletedTask;
    private int _pid;
    private int _notified;
    private long _seen = -1;
    private int _disposed;

    /// <summary>The epoch this host has applied; -1 before the first sync.</summary>
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>The listening session's server process id; 0 while not connected.</summary>
    public int ProcessId => Volatile.Read(ref _pid);

    /// <summary>
    /// Starts listening and waits for the first sync (up to <c>Storage:ConnectRetrySeconds</c>), so the
    /// host serves nothing it could not invalidate. If the database is unreachable it logs and goes on
    /// retrying; the host's own start-up check reports the database.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database is not PostgresDatabase postgres)
            return;
        _postgres = postgres;
        _loop = Task.Run(() => RunAsync(postgres, _stopping.Token), CancellationToken.None);
        await _firstAttempt.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _synced.Task.WaitAsync(TimeSpan.FromSeconds(options.Value.ConnectRetrySeconds), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogNotListening(_logger);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>
    /// After a committed change: waits until every other listening host has applied it, at most
    /// <c>CacheSyncWaitMs</c>; a host still behind then is logged (it catches up on its own).
    /// </summary>
    public async Task WaitForPeersAsync()
    {
        var waitMs = options.Value.Postgres.CacheSyncWaitMs;
        if (_postgres is null || waitMs == 0)
            return;
        var pause = TimeSpan.FromMilliseconds(1);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(waitMs));
        var behind = -1L;
        try
        {
            while ((behind = await _postgres.PeersBehindAsync(ProcessId, deadline.Token).ConfigureAwait(false)) > 0)
            {
                await Task.Delay(pause, deadline.Token).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPeerPause.Ticks));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            LogPeersBehind(_logger, behind < 0 ? "the check did not finish" : $"{behind} host(s) still behind", waitMs);
        }
        catch (Exception ex) when (ex is StorageException or NpgsqlException)
        {
            LogPeersBehind(_logger, "the check failed: " + ex.Message, waitMs);
        }
    }

    private async Task RunAsync(PostgresDatabase postgres, CancellationToken stopping)
    {
        var retry = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(postgres.ListenerConnectionString);
                connection.Notification += (_, _) => Volatile.Write(ref _notified, 1);
                await connection.OpenAsync(stopping).ConfigureAwait(false);
                // Only once the database answers: the bootstrap is attempted once per process.
                await postgres.BootstrapAsync().ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresChangeSql.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                Volatile.Write(ref _pid, connection.ProcessID);
                // Everything recorded while we were not listening is in the table: nothing is missed.
                await SyncAsync(connection, stopping).ConfigureAwait(false);
                _synced.TrySetResult();
                _firstAttempt.TrySetResult();
                retry = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    if (Volatile.Read(ref _notified) == 0)
                        await connection.WaitAsync(Resync, stopping).ConfigureAwait(false);
                    var notified = Interlocked.Exchange(ref _notified, 0) == 1;
                    if (!await SyncAsync(connection, stopping).ConfigureAwait(false) && notified)
                        await Task.Delay(SpuriousPause, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _pid, 0);
                _firstAttempt.TrySetResult();
                LogListenerFailed(_logger, ex, (int)retry.TotalMilliseconds);
                try
                {
                    await Task.Delay(retry, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }

    // Returns whether the epoch moved. The first sync only learns the epoch: nothing is cached yet.
    private async Task<bool> SyncAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        var seen = Seen;
        var (counter, changes) = await ReadAsync(connection, PostgresChangeSql.Since, seen < 0 ? long.MaxValue : seen, stopping).ConfigureAwait(false);
        if (counter == seen)
            return false;
        if (seen >= 0 && counter < seen)
        {
            // The database went back (restored from a backup): whatever we hold may be stale.
            LogEpochWentBack(_logger, seen, counter);
            (_, changes) = await ReadAsync(connection, PostgresChangeSql.All, 0, stopping).ConfigureAwait(false);
            seen = -1;
        }
        foreach (var (name, purgedEpoch) in changes)
        {
            if (!PluginId.TryParse(name, out var plugin))
                continue;
            var change = seen < 0 || purgedEpoch > seen ? PluginChange.Purge : PluginChange.Schema;
            try
            {
                await caches.DropAsync(plugin, change, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDropFailed(_logger, ex, name);
            }
        }
        Interlocked.Exchange(ref _seen, counter);
        await using var report = new NpgsqlCommand(PostgresChangeSql.Report, connection);
        report.Parameters.AddWithValue("name", PostgresChangeSql.ListenerName + " " + counter.ToString(CultureInfo.InvariantCulture));
        await report.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
        return true;
    }

    private static async Task<(long Counter, List<(string Plugin, long PurgedEpoch)> Changes)> ReadAsync(NpgsqlConnection connection, string sql, long seen, CancellationToken stopping)
    {
        var counter = 0L;
        var changes = new List<(string, long)>();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("seen", seen);
        await using var reader = await command.ExecuteReaderAsync(stopping).ConfigureAwait(false);
        while (await reader.ReadAsync(stopping).ConfigureAwait(false))
        {
            var plugin = reader.GetString(0);
            if (plugin.Length == 0)
                counter = reader.GetInt64(1);
            else
                changes.Add((plugin, reader.GetInt64(2)));
        }
        return (counter, changes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not listening for other hosts' plugin changes yet (PostgreSQL unreachable); retrying in the background")]
    private static partial void LogNotListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for other hosts' plugin changes failed; reconnecting in {RetryMs} ms, then catching up on what was missed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception, int retryMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Other hosts did not confirm dropping their caches within Storage:Postgres:CacheSyncWaitMs ({WaitMs} ms): {Reason}; they catch up on their own")]
    private static partial void LogPeersBehind(ILogger logger, string reason, int waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database's change epoch went back from {Seen} to {Counter} (restored?); dropping the caches of every plugin it lists")]
    private static partial void LogEpochWentBack(ILogger logger, long seen, long counter);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropping the cached state of plugin {Plugin} after another host's change failed")]
    private static partial void LogDropFailed(ILogger logger, Exception exception, string plugin);
}
