using System.Diagnostics;
using DbUp.Engine;

namespace Storage.Migrations.Internal;

/// <summary>Runs each DbUp script through the session (plugin privileges), times it and journals it in the same transaction.</summary>
internal sealed class SessionScriptExecutor(MigrationSession session, SessionJournal journal, int timeoutSeconds) : IScriptExecutor
{
    /// <summary>The version being run when a failure happened.</summary>
    public string? Current { get; private set; }

    public int? ExecutionTimeoutSeconds { get; set; } = timeoutSeconds;

    public void Execute(SqlScript script) => Execute(script, new Dictionary<string, string>());

    public void Execute(SqlScript script, IDictionary<string, string> variables)
    {
        Current = script.Name;
        var started = Stopwatch.GetTimestamp();
        if (!string.IsNullOrWhiteSpace(script.Contents))
            session.RunScript(script.Contents, ExecutionTimeoutSeconds ?? timeoutSeconds);
        journal.Durations[script.Name] = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        journal.StoreExecutedScript(script, session.CreateCommand);
    }

    public void VerifySchema()
    {
    }
}
