using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Storage.Tests.Infrastructure;

/// <summary>Listens to every instrument of the <c>Storage</c> meter and keeps the measurements with their tags.</summary>
internal sealed class MeasurementRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MeasurementRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Storage")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<RecordedMeasurement> Measurements { get; } = new();

    /// <summary>Measurements of one instrument whose tags include every given pair.</summary>
    public IEnumerable<RecordedMeasurement> Find(string instrument, params (string Key, string Value)[] tags) =>
        Measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value));

    /// <summary>Polls until the sum of matching measurements reaches <paramref name="atLeast"/>, or gives up after <see cref="Eventually.Deadline"/>.</summary>
    public async Task<double> WaitForSumAsync(double atLeast, string instrument, params (string Key, string Value)[] tags)
    {
        var deadline = Eventually.From(DateTime.UtcNow);
        while (true)
        {
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is ObjectDisposedException))
            {
                // The listener sees every meter in the process: a gauge of a host another test just disposed throws.
            }
            var sum = Find(instrument, tags).Sum(m => m.Value);
            if (sum >= atLeast || DateTime.UtcNow > deadline)
                return sum;
            await Task.Delay(20);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
            map[tag.Key] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
        Measurements.Enqueue(new RecordedMeasurement(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), map));
    }
}

/// <summary>One measurement: instrument name, value, tags as strings.</summary>
internal sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string> Tags);
