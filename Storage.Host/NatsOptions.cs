using System.ComponentModel.DataAnnotations;

namespace Storage.Host;

/// <summary>NATS settings, bound from the <c>Nats</c> configuration section.</summary>
internal sealed class NatsOptions
{
    /// <summary>The server to connect to.</summary>
    [Required]
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>The user the service connects as (see <c>nats-config</c>); null for a server without authorization.</summary>
    public string? User { get; set; }

    /// <summary>The password of <see cref="User"/>; prefer the environment (<c>Nats__Password</c>) to a file.</summary>
    public string? Password { get; set; }

    /// <summary>How long the host keeps retrying an unreachable NATS server at start before it fails, in seconds.</summary>
    [Range(0, 3600)]
    public int ConnectRetrySeconds { get; set; } = 10;

    /// <summary>The queue group all endpoints join, so several hosts share the load.</summary>
    [Required]
    public string QueueGroup { get; set; } = "storage";

    /// <summary>
    /// Requests processed at once by this host, across all plugins. Requests beyond it wait in the
    /// host's bounded queue (<see cref="MaxQueued"/>, <see cref="QueueWaitMs"/>), then are answered
    /// UNAVAILABLE with <c>retry_after_ms</c>; none wait unseen in NATS.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>Processing slots one plugin may hold at once (its fair share); beyond it, it waits, then RATE_LIMITED.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrencyPerPlugin { get; set; } = 32;

    /// <summary>Requests of one plugin waiting for a slot; more are answered RATE_LIMITED at once.</summary>
    [Range(0, 100_000)]
    public int MaxQueuedPerPlugin { get; set; } = 256;

    /// <summary>Requests of all plugins waiting for a slot; more are answered UNAVAILABLE at once.</summary>
    [Range(0, 1_000_000)]
    public int MaxQueued { get; set; } = 1024;

    /// <summary>How long a request waits for a slot before it is refused with a retry hint, in milliseconds.</summary>
    [Range(1, 60_000)]
    public int QueueWaitMs { get; set; } = 1000;

    /// <summary>
    /// Each request's deadline from arrival, in milliseconds: the handler's cancellation token fires
    /// then and the reply is TIMEOUT. Keep it at least the SQL tier's largest <c>timeout_ms</c> (30000).
    /// </summary>
    [Range(100, 3_600_000)]
    public int RequestTimeoutMs { get; set; } = 35_000;

    /// <summary>
    /// How long shutdown waits for requests in flight before it cancels them (they answer
    /// UNAVAILABLE), in milliseconds; keep it below the host's 30 s shutdown timeout.
    /// </summary>
    [Range(0, 600_000)]
    public int DrainTimeoutMs { get; set; } = 20_000;

    /// <summary>
    /// Messages each endpoint's subscription buffers in the client before the host takes them; when
    /// it is full, further requests are answered UNAVAILABLE instead of being dropped unseen.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPendingPerEndpoint { get; set; } = 4096;

    /// <summary>How long a write's reply is remembered for its <c>request_id</c>.</summary>
    [Range(1, 86_400)]
    public int IdempotencyWindowSeconds { get; set; } = 600;

    /// <summary>Bytes of remembered replies kept at most, for all plugins together.</summary>
    [Range(1024, long.MaxValue)]
    public long IdempotencyCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bytes of remembered replies one plugin may hold; over it, that plugin's own oldest replies
    /// make room. Other plugins' replies are never evicted for it.
    /// </summary>
    [Range(1024, long.MaxValue)]
    public long IdempotencyCacheBytesPerPlugin { get; set; } = 1024L * 1024;
}
