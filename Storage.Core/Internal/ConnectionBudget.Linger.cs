namespace Storage.Core.Internal;

/// <summary>
/// Whether keeping a plugin's returned connection for its next request pays here and now. It pays when
/// plugins send their requests close together (an insert, then a query): a login saved each time. It
/// does not when their next request comes seconds later (hundreds of plugins starting at once, each
/// refused and retrying): every lingering connection then keeps the queue waiting for nothing and pushes
/// the budget to close a service connection instead, which costs a login of its own. So the budget
/// watches, for each connection given back, whether its plugin asked again within the linger, and
/// lingers only while at least a quarter did.
/// </summary>
internal sealed partial class ConnectionBudget
{
    private const int MaxWatchedReturns = 10_000; // bounded whatever the number of plugins
    private const double MinLingerHitRate = 0.25;
    private const double OutcomeDecay = 0.98; // about the last fifty returns count

    private readonly Dictionary<PluginId, DateTimeOffset> _returnedAt = new();
    private double _lingerHits;
    private double _lingerOutcomes;

    // Must be called under _gate. Too few outcomes yet: linger, as before anything was known.
    private bool LingerPays => _lingerOutcomes < 10 || _lingerHits >= MinLingerHitRate * _lingerOutcomes;

    // Must be called under _gate, when a plugin's connection goes idle.
    private void WatchReturn(PluginId plugin, DateTimeOffset now)
    {
        if (_returnedAt.Remove(plugin))
            RecordLingerOutcome(hit: false); // it did not ask again since its previous return
        if (_returnedAt.Count < MaxWatchedReturns)
            _returnedAt[plugin] = now;
    }

    // Must be called under _gate, when a request asks for connections.
    private void WatchRequest(ConnectionDemand[] demands, DateTimeOffset now)
    {
        if (_returnedAt.Count == 0)
            return;
        foreach (var demand in demands)
            if (demand.Pool.Plugin is { } plugin && _returnedAt.Remove(plugin, out var returned))
                RecordLingerOutcome(hit: now - returned < Linger);
    }

    // Must be called under _gate, by the idle pruner: returns never followed by a request are misses.
    private void ForgetOldReturns(DateTimeOffset now)
    {
        foreach (var (plugin, returned) in _returnedAt)
        {
            if (now - returned <= Linger)
                continue;
            _returnedAt.Remove(plugin);
            RecordLingerOutcome(hit: false);
        }
    }

    private void RecordLingerOutcome(bool hit)
    {
        _lingerHits = _lingerHits * OutcomeDecay + (hit ? 1 : 0);
        _lingerOutcomes = _lingerOutcomes * OutcomeDecay + 1;
    }
}
