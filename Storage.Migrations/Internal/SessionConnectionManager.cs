using System.Data;
using DbUp.Engine;
using DbUp.Engine.Output;
using DbUp.Engine.Transactions;

namespace Storage.Migrations.Internal;

/// <summary>
/// Hands DbUp the session's connection and transaction instead of letting it open its own: the
/// transaction belongs to the session, which commits it (or rolls it back for a dry run) itself.
/// </summary>
internal sealed class SessionConnectionManager(MigrationSession session) : IConnectionManager
{
    public TransactionMode TransactionMode { get; set; } = TransactionMode.SingleTransaction;

    public bool IsScriptOutputLogged { get; set; }

    public int? ExecutionTimeoutSeconds { get; set; }

    public IDisposable OperationStarting(IUpgradeLog upgradeLog, List<SqlScript> executedScripts) => NoOp.Instance;

    public void ExecuteCommandsWithManagedConnection(Action<Func<IDbCommand>> action) => action(session.CreateCommand);

    public T ExecuteCommandsWithManagedConnection<T>(Func<Func<IDbCommand>, T> actionWithResult) => actionWithResult(session.CreateCommand);

    // A migration script runs as one unit: both databases accept several statements in one command.
    public IEnumerable<string> SplitScriptIntoCommands(string scriptContents) => [scriptContents];

    public bool TryConnect(IUpgradeLog upgradeLog, out string errorMessage)
    {
        errorMessage = "";
        return true;
    }

    private sealed class NoOp : IDisposable
    {
        public static readonly NoOp Instance = new();

        public void Dispose()
        {
        }
    }
}
