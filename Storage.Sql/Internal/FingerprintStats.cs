namespace Storage.Sql.Internal;

/// <summary>
/// Counters and a fixed-size reservoir sample of durations for one query fingerprint. Percentiles
/// come from the sample (uniform over all runs, Vitter's algorithm R), so memory stays constant.
/// </summary>
internal sealed class FingerprintStats(string fingerprint)
{
    private const int ReservoirSize = 512;
    private readonly Lock _gate = new();
    private readonly double[] _sample = new double[ReservoirSize];
    private long _count;
    private long _errors;
    private long _rows;
    private double _totalMs;
    private double _maxMs;

    public void Record(double elapsedMs, long rows, bool failed)
    {
        lock (_gate)
        {
            _count++;
            if (failed)
                _errors++;
            _rows += rows;
            _totalMs += elapsedMs;
            _maxMs = Math.Max(_maxMs, elapsedMs);
            if (_count <= ReservoirSize)
                _sample[_count - 1] = elapsedMs;
            else if (Random.Shared.NextInt64(_count) is var slot && slot < ReservoirSize)
                _sample[slot] = elapsedMs;
        }
    }

    public SqlFingerprintStats Snapshot()
    {
        lock (_gate)
        {
            var sorted = _sample.AsSpan(0, (int)Math.Min(_count, ReservoirSize)).ToArray();
            Array.Sort(sorted);
            return new SqlFingerprintStats(fingerprint, _count, _errors, _rows, Round(_totalMs),
                Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), Round(_maxMs));
        }
    }

    // Nearest-rank percentile.
    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);

    private static double Round(double ms) => Math.Round(ms, 3);
}
