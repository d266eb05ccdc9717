namespace Storage.Tests.Infrastructure;

/// <summary>A clock the test moves by hand, so TTL behaviour is checked without sleeping.</summary>
internal sealed class ManualClock : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now;

    /// <summary>Starts at the real current second: rows written with it look ordinary to other code sharing the database.</summary>
    public ManualClock()
    {
        var real = DateTimeOffset.UtcNow;
        _now = new DateTimeOffset(real.Year, real.Month, real.Day, real.Hour, real.Minute, real.Second, TimeSpan.Zero);
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _now;
    }

    // Elapsed-time measurements (idle lifetimes) follow the hand-moved clock too.
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public void Advance(TimeSpan by)
    {
        lock (_gate)
            _now += by;
    }
}
