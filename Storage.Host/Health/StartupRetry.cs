using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Storage.Host.Health;

/// <summary>
/// Retries a start-time dependency check for a bounded time, then fails with one clear line, so a
/// misconfigured or unreachable dependency stops the process instead of leaving it half started.
/// </summary>
internal static partial class StartupRetry
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);

    public static async Task<T> RunAsync<T>(string dependency, string hint, int retrySeconds, ILogger logger, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var tries = 1; ; tries++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed.TotalSeconds + Pause.TotalSeconds > retrySeconds)
                {
                    var message = $"Cannot reach {dependency} after {tries} attempt(s) in {elapsed.TotalSeconds:0.#} s: {Describe(ex)} {hint}";
                    LogGaveUp(logger, message);
                    throw new StartupException(message, ex);
                }
                LogRetrying(logger, dependency, Describe(ex));
                await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A StorageException says what failed in our words; the innermost error says why.
    private static string Describe(Exception ex)
    {
        var root = ex.GetBaseException().Message.TrimEnd('.') + ".";
        return ex is Storage.Contracts.StorageException storage && !storage.Message.Contains(root.TrimEnd('.'), StringComparison.Ordinal)
            ? $"{storage.Message} {root}"
            : ex is Storage.Contracts.StorageException ? ex.Message : root;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} is not reachable yet ({Reason}); retrying")]
    private static partial void LogRetrying(ILogger logger, string dependency, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Message}")]
    private static partial void LogGaveUp(ILogger logger, string message);
}
