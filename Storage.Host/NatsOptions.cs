using System.ComponentModel.DataAnnotations;

namespace Storage.Host;

/// <summary>NATS settings, bound from the <c>Nats</c> configuration section.</summary>
internal sealed class NatsOptions
{
    /// <summary>The server to connect to.</summary>
    [Required]
    public string Url { get; set; } = "nats://127.0.0.1:4222";

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
