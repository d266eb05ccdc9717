using System.Text.Json;
using NATS.Client.Core;

namespace Storage.Client;

/// <summary>Connection, retry and serialization settings of a <see cref="IStorageClient"/>.</summary>
public sealed class StorageClientOptions
{
    /// <summary>The NATS server (<c>nats://host:4222</c>); used when <see cref="Nats"/> is not set.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>
    /// Full NATS.Net options (credentials, TLS, name...) when more than <see cref="Url"/> is needed.
    /// Its <c>InboxPrefix</c> is always replaced by <c>_INBOX.&lt;plugin&gt;</c>, the one the generated permissions allow.
    /// </summary>
    public NatsOpts? Nats { get; set; }

    /// <summary>NATS user name (generated config: the plugin's name), when <see cref="Nats"/> is not set.</summary>
    public string? User { get; set; }

    /// <summary>NATS password, when <see cref="Nats"/> is not set.</summary>
    public string? Password { get; set; }

    /// <summary>How long one attempt waits for its reply (default 10 s; the host's own deadline is 30 s by default).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per call, the first included (default 4); retried on no reply, UNAVAILABLE and RATE_LIMITED.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Wait before the first retry; doubled each time up to <see cref="MaxBackoff"/>; <c>retry_after_ms</c> wins when longer.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts (default 5 s).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How values, rows and SQL rows are (de)serialized: by default snake_case property names,
    /// case-insensitive reads, nulls not written, timestamps in the contract's UTC form, reflection-based. For trimming or native AOT set a
    /// <c>TypeInfoResolver</c> (your source-generated <c>JsonSerializerContext</c>) here.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = DefaultJsonOptions();

    /// <summary>The clock for backoff waits (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The defaults of <see cref="JsonSerializerOptions"/>, to start your own from.</summary>
    public static JsonSerializerOptions DefaultJsonOptions() => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new UtcTimestampJsonConverter() },
    };

    internal void Validate()
    {
        if (MaxAttempts < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "MaxAttempts must be at least 1.");
        if (RequestTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "RequestTimeout must be positive.");
        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff)
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, "Backoffs must be 0 <= InitialBackoff <= MaxBackoff.");
        ArgumentNullException.ThrowIfNull(JsonSerializerOptions);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
