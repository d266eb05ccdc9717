namespace Storage.Tests.Client;

/// <summary>A clock whose timers fire at once and remember how long they were asked to wait: backoff without waiting.</summary>
internal sealed class RecordingDelays : TimeProvider
{
    private readonly List<TimeSpan> _delays = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_gate)
                return [.. _delays];
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
            _delays.Add(dueTime);
        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
