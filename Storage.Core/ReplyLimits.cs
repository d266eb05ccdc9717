namespace Storage.Core;

/// <summary>
/// How large a reply may be: what the transport in front of the tiers accepts. The host sets
/// <see cref="MaxPayloadBytes"/> from the connected nats-server's <c>max_payload</c>; embedded use
/// keeps the NATS default of 1 MiB. Tiers cap their results by <see cref="MaxResultBytes"/>, so a
/// result that could not be sent is TOO_LARGE instead of failing on the wire.
/// </summary>
public sealed class ReplyLimits
{
    /// <summary>Bytes kept free for the rest of a reply around the result (other fields, headers).</summary>
    public const int HeadroomBytes = 8 * 1024;

    private long _maxPayloadBytes = 1024 * 1024;

    /// <summary>The largest message the transport accepts, in bytes.</summary>
    public long MaxPayloadBytes
    {
        get => Volatile.Read(ref _maxPayloadBytes);
        set => Volatile.Write(ref _maxPayloadBytes, value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>The largest result a tier may put in one reply: <see cref="MaxPayloadBytes"/> minus <see cref="HeadroomBytes"/>.</summary>
    public long MaxResultBytes => Math.Max(1024, MaxPayloadBytes - HeadroomBytes);

    /// <summary>A budget for one result: the smaller of <paramref name="configuredBytes"/> (named by <paramref name="setting"/>) and <see cref="MaxResultBytes"/>.</summary>
    public ResultBudget Budget(long configuredBytes, string setting) =>
        new(Math.Min(configuredBytes, MaxResultBytes), configuredBytes, setting, MaxPayloadBytes);
}
