namespace Storage.Host.Health;

/// <summary>What <c>/readyz</c> reports besides the database: set by the NATS service as it starts and stops.</summary>
internal sealed class ServiceReadiness
{
    private Func<bool>? _natsConnected;

    /// <summary>Endpoints registered with the micro service; 0 before start and after stop.</summary>
    public int Endpoints { get; private set; }

    /// <summary>Whether the NATS connection is open now.</summary>
    public bool NatsConnected => _natsConnected?.Invoke() == true;

    /// <summary>Called once every endpoint is registered, with a probe of the connection's state.</summary>
    public void Started(int endpoints, Func<bool> natsConnected)
    {
        _natsConnected = natsConnected;
        Endpoints = endpoints;
    }

    /// <summary>Called when the service stops taking requests.</summary>
    public void Stopped()
    {
        Endpoints = 0;
        _natsConnected = null;
    }
}
