using System.Data.Common;
using Npgsql;

namespace Storage.Core;

/// <summary>
/// The reset of a PostgreSQL plugin connection (<c>DISCARD ALL</c>) carried in the round trip of the
/// lease's last statement instead of a round trip of its own when the connection goes back.
/// </summary>
public sealed partial class PluginConnection
{
    private NpgsqlBatchCommand? _reset;
    private NpgsqlBatchCommand? _mode;

    /// <summary>The budget's lease behind a PostgreSQL plugin connection; null elsewhere.</summary>
    internal Internal.BudgetedConnection? Lease { get; init; }

    /// <summary>
    /// Adds the connection's reset after the last command of <paramref name="batch"/> (a batch of this
    /// connection that will be the lease's last statement), behind an error barrier, so the reset runs even
    /// when a command before it fails. Once the batch's reader has been read to its end without an error,
    /// call <see cref="ConfirmReset"/>: the connection then goes back without a reset round trip of its
    /// own. False, and nothing added, where connections are not reset (SQLite, service connections).
    /// </summary>
    public bool AddReset(DbBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (Lease is not { Pool.ResetOnReturn: true } || batch is not NpgsqlBatch { BatchCommands.Count: > 0 } npgsql)
            return false;
        // DISCARD ALL refuses to run inside a pipeline's implicit transaction: a Sync must come before it.
        npgsql.BatchCommands[^1].AppendErrorBarrier = true;
        _reset = new NpgsqlBatchCommand("DISCARD ALL");
        npgsql.BatchCommands.Add(_reset);
        // A connection lent from its sibling pool: DISCARD ALL restored its login mode, put its pool's back. DISCARD ALL
        // commits at once, so a command after it (not before) may share its Sync: no extra segment.
        _mode = Lease.ModeRestoreSql is { } mode ? new NpgsqlBatchCommand(mode) : null;
        if (_mode is not null)
            npgsql.BatchCommands.Add(_mode);
        return true;
    }

    /// <summary>
    /// Records that the reset added by <see cref="AddReset"/> completed: only if the server reported it
    /// done (its command tag read) and no statement was started on this connection since.
    /// </summary>
    public void ConfirmReset()
    {
        if (Lease is { } lease && _reset is { StatementType: StatementType.Other } && _mode is null or { StatementType: StatementType.Other })
            lease.ResetDone = true;
        _reset = null;
        _mode = null;
    }

    // Any statement after the reset leaves its own state: the connection is reset on return again.
    private void StatementStarted()
    {
        _reset = null;
        _mode = null;
        Lease?.ResetDone = false;
    }
}
