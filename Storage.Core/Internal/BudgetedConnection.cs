using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// A physical connection lent by the <see cref="ConnectionBudget"/>; disposing it gives it back
/// (once, however often it is disposed). It converts to <see cref="NpgsqlConnection"/> so service
/// code written against pooled Npgsql connections keeps working unchanged.
/// </summary>
internal sealed class BudgetedConnection : IAsyncDisposable
{
    private readonly ConnectionBudget _budget;
    private int _returned;

    internal BudgetedConnection(ConnectionBudget budget, ConnectionPool pool, NpgsqlConnection connection, bool pluginShare)
    {
        _budget = budget;
        Pool = pool;
        Connection = connection;
        PluginShare = pluginShare;
    }

    public ConnectionPool Pool { get; }

    public NpgsqlConnection Connection { get; }

    /// <summary>Whether this lease counts against the plugins' share of the budget.</summary>
    public bool PluginShare { get; }

    /// <summary>
    /// The read-only mode the connection logged in with; when it is not <see cref="Pool"/>'s (a connection of the
    /// sibling pool that joined this one), every reset puts the pool's mode back after <c>DISCARD ALL</c>.
    /// </summary>
    public bool LoginReadOnly { get; init; }

    /// <summary>The statement that follows <c>DISCARD ALL</c> in every reset to put the pool's mode back; null when the login's is the pool's.</summary>
    public string? ModeRestoreSql => LoginReadOnly == Pool.ReadOnly ? null : ConnectionBudget.ModeSql(Pool.ReadOnly);

    /// <summary>How often in a row this connection went back to its plugin ahead of others waiting.</summary>
    public int Streak { get; init; }

    /// <summary>
    /// Set when the lease's last statement carried the reset in its own round trip and the reset's completion
    /// was read (<see cref="PluginConnection.ConfirmReset"/>): the return then skips the reset's round trip.
    /// </summary>
    public bool ResetDone { get; set; }

    public static implicit operator NpgsqlConnection(BudgetedConnection lease) => lease.Connection;

    public NpgsqlConnection ToNpgsqlConnection() => Connection;

    public ValueTask<NpgsqlTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
        Connection.BeginTransactionAsync(cancellationToken);

    /// <summary>Gives the connection back; always true, so <see cref="PluginConnection"/> does not close it itself.</summary>
    public bool Return()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
            _budget.Return(this);
        return true;
    }

    public ValueTask DisposeAsync()
    {
        Return();
        return ValueTask.CompletedTask;
    }
}
