namespace Storage.Core.Internal;

/// <summary>
/// The two ways a request is told to come back: it waited <c>ConnectionWaitMs</c> in vain, or the queue
/// ahead of it is so long that it would, and it is refused at once. Refusing early matters: a
/// queued request holds one of the host's processing slots, and with hundreds of plugins starting at
/// once the queue would otherwise take every slot, so that a plugin's next request could not even come
/// in to reuse the connection it just gave back.
/// </summary>
internal sealed partial class ConnectionBudget
{
    // A pause that lets the queue drain a little: a connection is lent for milliseconds to seconds.
    private const int RetryAfterMs = 1000;

    private TimeSpan _grantInterval; // moving average of the time the queue waits for its next grant
    private DateTimeOffset _lastQueueGrant;

    // Must be called under _gate: how long a newcomer of this priority would wait, judging by how fast
    // the queue has been served lately (zero until it has been served at all), and behind how many.
    private (TimeSpan Expected, int Ahead) ExpectedWait(DateTimeOffset priority)
    {
        var ahead = WaitersAhead(priority);
        return (_grantInterval * ahead, ahead);
    }

    // Must be called under _gate: whether the queue's length may refuse these demands. Only plugin work
    // queues behind plugin work (the service's own short work uses its reserve), and not a plugin
    // waiting for its own connections (AtOwnCap).
    private bool Sheddable(ConnectionDemand[] demands) => demands.Any(d => d.PluginShare) && !AtOwnCap(demands);

    // Must be called under _gate: whether a plugin of the demands already holds all the connections it
    // may. Its wait then depends on its own work (its connections come back to it ahead of the queue),
    // not on how long the queue is, so the queue's estimate does not refuse it; how many requests it can
    // have waiting is bounded by its share of the processing slots (Nats:MaxConcurrencyPerPlugin).
    private bool AtOwnCap(ConnectionDemand[] demands) =>
        demands.Any(d => d.Pool.Plugin is { } plugin && _roleConnections.GetValueOrDefault(plugin) >= _limits.MaxPerPlugin);

    // Must be called under _gate, when a queued waiter is granted.
    private void RecordQueueGrant(Waiter waiter)
    {
        var now = _clock.GetUtcNow();
        var since = waiter.Since > _lastQueueGrant ? waiter.Since : _lastQueueGrant;
        var sample = now - since;
        _grantInterval = _grantInterval == TimeSpan.Zero ? sample : (_grantInterval * 4 + sample) / 5;
        _lastQueueGrant = now;
    }

    // Must be called under _gate.
    private StorageException Shed(TimeSpan expected, int queued)
    {
        var waitMs = (int)_limits.Wait.TotalMilliseconds;
        var retryAfterMs = (int)Math.Clamp(expected.TotalMilliseconds, RetryAfterMs, 2.0 * Math.Max(waitMs, RetryAfterMs));
        return new StorageException(StorageErrorCode.Unavailable,
            $"All {_limits.PluginShare} plugin connections of Storage:Postgres:MaxConnections ({_limits.MaxConnections}) are busy and {queued} requests wait ahead, about {(int)expected.TotalMilliseconds} ms of waiting, more than Storage:Postgres:ConnectionWaitMs ({waitMs} ms). Nothing was done; retry in {retryAfterMs} ms.",
            new Dictionary<string, object?>
            {
                ["setting"] = "Storage:Postgres:ConnectionWaitMs", ["wait_ms"] = waitMs, ["limit"] = "Storage:Postgres:MaxConnections",
                ["limit_value"] = _limits.MaxConnections, ["queued"] = queued, ["retry_after_ms"] = retryAfterMs,
            });
    }

    private StorageException Exhausted(string? limit)
    {
        var (setting, value) = limit == nameof(PostgresOptions.MaxConnectionsPerPlugin)
            ? ("Storage:Postgres:MaxConnectionsPerPlugin", _limits.MaxPerPlugin)
            : ("Storage:Postgres:MaxConnections", _limits.MaxConnections);
        var waitMs = (int)_limits.Wait.TotalMilliseconds;
        return new StorageException(StorageErrorCode.Unavailable,
            $"No database connection became free within Storage:Postgres:ConnectionWaitMs ({waitMs} ms); all {value} of {setting} are in use. Nothing was done; retry later.",
            new Dictionary<string, object?>
            {
                ["setting"] = "Storage:Postgres:ConnectionWaitMs", ["wait_ms"] = waitMs, ["limit"] = setting, ["limit_value"] = value,
                ["retry_after_ms"] = RetryAfterMs,
            });
    }
}
