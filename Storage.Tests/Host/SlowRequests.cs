using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>A SQL request that keeps a processing slot busy until its deadline cancels it, on either backend.</summary>
internal static class SlowRequests
{
    /// <summary>A query that runs for at least 30 s unless canceled (the SQL tier's largest timeout_ms).</summary>
    /// <remarks>The same text on both backends: pg_sleep is refused (a <c>pg_</c> name), an endless recursion is not.</remarks>
    public const string Query =
        """{"query":"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c","timeout_ms":30000}""";

    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> after a generous deadline.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Eventually.Deadline);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
                Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(20);
        }
    }
}
