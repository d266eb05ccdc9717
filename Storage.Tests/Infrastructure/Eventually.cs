namespace Storage.Tests.Infrastructure;

/// <summary>
/// The one deadline for polling loops. The machine running the suite may have 2 cores shared by
/// several test runs (load average 10+), so the deadline is generous: a loop whose condition holds
/// ends at once, so only a failing test ever waits this long.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    /// <summary>When a loop started now must give up.</summary>
    public static DateTime From(DateTime now) => now + Deadline;
}
