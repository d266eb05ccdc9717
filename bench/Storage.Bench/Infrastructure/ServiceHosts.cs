namespace Storage.Bench.Infrastructure;

/// <summary>
/// At most one service host runs at a time: every host answers the same subjects in the same queue
/// group, so two would share (and blur) the load. Asking for another backend stops the current one.
/// </summary>
internal sealed class ServiceHosts : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ServiceHost? _current;

    public async Task<ServiceHost> AcquireAsync(BenchContext context, string backend, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current?.Backend == backend)
                return _current;
            if (_current is not null)
                await _current.DisposeAsync();
            _current = null;
            // One plugin drives every cell at up to c=64: its fair share of processing slots (32 by default, a
            // multi-tenant guard) would measure queueing, not the service.
            _current = await ServiceHost.StartAsync(context, backend, cancellationToken, ["--Nats:MaxConcurrencyPerPlugin=256", .. context.HostArgs]);
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_current is not null)
            await _current.DisposeAsync();
        _current = null;
        _gate.Dispose();
    }
}
