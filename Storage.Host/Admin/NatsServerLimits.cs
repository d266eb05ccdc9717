using Storage.Core;

namespace Storage.Host.Admin;

/// <summary>What the connected NATS server allows, learned at connect; replies larger than <see cref="MaxPayload"/> cannot be sent.</summary>
internal sealed class NatsServerLimits(ReplyLimits? replyLimits = null)
{
    private long _maxPayload = 1024 * 1024;

    /// <summary>
    /// The server's <c>max_payload</c> in bytes (the NATS default until the service has connected);
    /// setting it also caps the tiers' results through Core's <see cref="ReplyLimits"/>.
    /// </summary>
    public long MaxPayload
    {
        get => _maxPayload;
        set
        {
            _maxPayload = value;
            replyLimits?.MaxPayloadBytes = value;
        }
    }
}
