namespace Storage.Host;

/// <summary>A token bucket per plugin: <see cref="PermitsPerSecond"/> requests a second on average, bursts up to <see cref="Burst"/>.</summary>
internal sealed class TierRateLimit
{
    /// <summary>Requests per second refilled into each plugin's bucket (1..1000000).</summary>
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Each plugin's bucket size (1..10000000).</summary>
    public int Burst { get; set; } = 2000;

    public bool IsValid() => PermitsPerSecond is >= 1 and <= 1_000_000 && Burst is >= 1 and <= 10_000_000;
}
