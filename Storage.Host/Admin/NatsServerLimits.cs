namespace Storage.Host.Admin;

/// <summary>What the connected NATS server allows, learned at connect; replies larger than <see cref="MaxPayload"/> cannot be sent.</summary>
internal sealed class NatsServerLimits
{
    /// <summary>The server's <c>max_payload</c> in bytes (the NATS default until the service has connected).</summary>
    public long MaxPayload { get; set; } = 1024 * 1024;
}
