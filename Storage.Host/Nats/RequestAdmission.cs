using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>
/// Fair share of the processing slots: a request needs one of its plugin's
/// <see cref="NatsOptions.MaxConcurrencyPerPlugin"/> slots and one of the host's
/// <see cref="NatsOptions.MaxConcurrency"/>. One that cannot have both at once waits in a bounded
/// queue (per plugin and in total) for at most <see cref="NatsOptions.QueueWaitMs"/>, then is
/// refused with a retry hint: RATE_LIMITED while its plugin is over its share, UNAVAILABLE when
/// the whole host is saturated. Idle plugins' limiters are dropped by the partitioned limiter.
/// </summary>
internal sealed class RequestAdmission : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perPlugin;
    private readonly ConcurrencyLimiter _host;
    private readonly NatsOptions _options;
    private int _waiting;

    public RequestAdmission(IOptions<NatsOptions> options)
    {
        _options = options.Value;
        var perPlugin = new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Min(_options.MaxConcurrencyPerPlugin, _options.MaxConcurrency),
            QueueLimit = _options.MaxQueuedPerPlugin,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
        _perPlugin = PartitionedRateLimiter.Create<string, string>(plugin => RateLimitPartition.GetConcurrencyLimiter(plugin, _ => perPlugin));
        _host = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrency,
            QueueLimit = _options.MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Slots in use now (0 once disposed).</summary>
    public long Busy
    {
        get
        {
            // A gauge: any in-process metrics listener may read it while the host is being disposed.
            try
            {
                return _options.MaxConcurrency - (_host.GetStatistics()?.CurrentAvailablePermits ?? 0);
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    /// <summary>Requests waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Takes both slots at once if free, else a place in the queue; raises UNAVAILABLE (with
    /// <c>retry_after_ms</c>) when the host's queue is full. Cheap: runs on the endpoint's delivery loop.
    /// </summary>
    public Admission Enter(string plugin)
    {
        var own = _perPlugin.AttemptAcquire(plugin);
        if (own.IsAcquired)
        {
            var shared = _host.AttemptAcquire();
            if (shared.IsAcquired)
                return new Admission(this, plugin, own, shared);
            shared.Dispose();
        }
        else
        {
            own.Dispose();
            own = null;
        }
        if (Interlocked.Increment(ref _waiting) > _options.MaxQueued)
        {
            Interlocked.Decrement(ref _waiting);
            own?.Dispose();
            throw Saturated($"all {_options.MaxConcurrency} processing slots are busy and {_options.MaxQueued} requests are waiting (Nats:MaxConcurrency, Nats:MaxQueued)");
        }
        return new Admission(this, plugin, own, null);
    }

    public void Dispose()
    {
        _perPlugin.Dispose();
        _host.Dispose();
    }

    private StorageException OverShare(string plugin, string why) => new(StorageErrorCode.RateLimited,
        $"Plugin '{plugin}' is over its share of {_options.MaxConcurrencyPerPlugin} concurrent requests (Nats:MaxConcurrencyPerPlugin): {why}; retry in {_options.QueueWaitMs} ms.",
        Hint(_options.MaxConcurrencyPerPlugin));

    private StorageException Saturated(string why) => new(StorageErrorCode.Unavailable,
        $"The service is saturated: {why}; retry in {_options.QueueWaitMs} ms, possibly on another instance.", Hint(_options.MaxConcurrency));

    private Dictionary<string, object?> Hint(int limit) => new() { ["retry_after_ms"] = _options.QueueWaitMs, ["limit"] = limit };

    /// <summary>The slots one request holds, or the right to wait for them; dispose to release.</summary>
    internal sealed class Admission(RequestAdmission owner, string plugin, RateLimitLease? own, RateLimitLease? shared) : IDisposable
    {
        private RateLimitLease? _own = own;
        private RateLimitLease? _shared = shared;
        private bool _queued = shared is null;

        /// <summary>Whether both slots are held already (no wait needed).</summary>
        public bool Granted => _shared is not null;

        /// <summary>Waits for the missing slots within the queue time; raises RATE_LIMITED or UNAVAILABLE.</summary>
        public async ValueTask WaitAsync(CancellationToken cancellationToken)
        {
            if (Granted)
                return;
            var options = owner._options;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(options.QueueWaitMs);
            try
            {
                if (_own is null)
                {
                    _own = await owner._perPlugin.AcquireAsync(plugin, 1, wait.Token).ConfigureAwait(false);
                    if (!_own.IsAcquired)
                        throw owner.OverShare(plugin, $"{options.MaxQueuedPerPlugin} of its requests are already waiting (Nats:MaxQueuedPerPlugin)");
                }
                _shared = await owner._host.AcquireAsync(1, wait.Token).ConfigureAwait(false);
                if (!_shared.IsAcquired)
                    throw owner.Saturated($"{options.MaxQueued} requests are already waiting (Nats:MaxQueued)");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw _own is { IsAcquired: true }
                    ? owner.Saturated($"no processing slot became free within {options.QueueWaitMs} ms (Nats:QueueWaitMs)")
                    : owner.OverShare(plugin, $"none of its slots became free within {options.QueueWaitMs} ms (Nats:QueueWaitMs)");
            }
            finally
            {
                LeaveQueue();
            }
        }

        public void Dispose()
        {
            LeaveQueue();
            _shared?.Dispose();
            _own?.Dispose();
        }

        private void LeaveQueue()
        {
            if (_queued)
            {
                _queued = false;
                Interlocked.Decrement(ref owner._waiting);
            }
        }
    }
}
