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

    /// <summary>Requests processed at once; more wait in NATS (backpressure).</summary>
    [Range(1, 100_000)]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>How long a write's reply is remembered for its <c>request_id</c>.</summary>
    [Range(1, 86_400)]
    public int IdempotencyWindowSeconds { get; set; } = 600;

    /// <summary>Bytes of remembered replies kept at most; older ones are dropped first.</summary>
    [Range(1024, long.MaxValue)]
    public long IdempotencyCacheBytes { get; set; } = 64L * 1024 * 1024;
}
