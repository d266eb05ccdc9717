using System.Diagnostics;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Core;

/// <summary>
/// A time limit on the statements run on one plugin connection until disposed. On SQLite a
/// progress handler stops the virtual machine at the deadline and a timer calls
/// <c>sqlite3_interrupt</c>, which also ends a single long function call that runs no VM steps;
/// both surface as SQLite error 9, which <see cref="ProviderErrors"/> maps to TIMEOUT. On
/// PostgreSQL commands created through <see cref="PluginConnection.CreateCommand"/> get a
/// client-side <c>CommandTimeout</c> (whole seconds, rounded up): Npgsql then cancels the
/// statement on the server and raises a timeout, also TIMEOUT.
/// </summary>
public sealed class StatementDeadline : IDisposable
{
    // Virtual machine steps between two deadline checks (each check reads a stopwatch).
    private const int ProgressSteps = 1000;
    private readonly PluginConnection _connection;
    private readonly SqliteConnection? _sqlite;
    private readonly delegate_progress? _progress;
    private readonly CancellationTokenSource? _timer;
    private readonly CancellationTokenRegistration _interrupt;

    private StatementDeadline(PluginConnection connection, int timeoutMs, CancellationToken cancellationToken)
    {
        _connection = connection;
        if (connection.Connection is not SqliteConnection sqlite)
        {
            connection.CommandTimeoutSeconds = (timeoutMs + 999) / 1000;
            return;
        }
        _sqlite = sqlite;
        var clock = Stopwatch.StartNew();
        _progress = _ => clock.ElapsedMilliseconds > timeoutMs || cancellationToken.IsCancellationRequested ? 1 : 0;
        raw.sqlite3_progress_handler(sqlite.Handle, ProgressSteps, _progress, null);
        _timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _timer.CancelAfter(timeoutMs);
        var handle = sqlite.Handle;
        _interrupt = _timer.Token.Register(() => raw.sqlite3_interrupt(handle));
    }

    /// <summary>Limits the statements run on <paramref name="connection"/> to <paramref name="timeoutMs"/> from now, or until <paramref name="cancellationToken"/> fires.</summary>
    public static StatementDeadline Start(PluginConnection connection, int timeoutMs, CancellationToken cancellationToken) =>
        new(connection, timeoutMs, cancellationToken);

    public void Dispose()
    {
        // Dispose waits for a running interrupt callback, so none lands after the connection is reused.
        _interrupt.Dispose();
        _timer?.Dispose();
        if (_sqlite is not null)
        {
            raw.sqlite3_progress_handler(_sqlite.Handle, 0, null, null);
            GC.KeepAlive(_progress);
        }
        _connection.CommandTimeoutSeconds = null;
    }
}
