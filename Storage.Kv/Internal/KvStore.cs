using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// The KV tier: validates requests against the contract's limits and turns engine results into
/// replies. Data lives in the plugin's own schema or file, in the service table <c>_storage_kv</c>.
/// </summary>
internal sealed class KvStore(IKvEngine engine, IOptions<KvOptions> options, TimeProvider clock) : IKvStore
{
    private readonly int _maxValueBytes = options.Value.MaxValueBytes;

    public async Task<KvSetResponse> SetAsync(PluginId plugin, KvSetRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        if (request.Value is not { } value)
            throw StorageException.InvalidField("value", "Field 'value' is required (any JSON value, null included).");
        // The value's own UTF-8 text, validated once by the parser that read the request.
        var json = JsonMarshal.GetRawUtf8Value(value);
        var size = json.Length;
        if (size > _maxValueBytes)
            throw StorageException.OutOfRange("value", $"at most {_maxValueBytes} bytes serialized", $"{size} bytes", StorageErrorCode.TooLarge);
        KvValidation.ValueText(value, json);
        if (request.IfAbsent == true && request.IfRevision is not null)
            throw StorageException.InvalidField("if_revision", "Fields 'if_absent' and 'if_revision' cannot be used together.");
        if (request.IfRevision is < 1)
            throw StorageException.OutOfRange("if_revision", "a revision >= 1", request.IfRevision);
        var now = Now();
        var kind = request.IfAbsent == true ? KvWriteKind.SetIfAbsent : request.IfRevision is not null ? KvWriteKind.SetIfRevision : KvWriteKind.Set;
        // An element parsed from bytes that are not UTF-8 (embedded callers only: the host refuses such a body)
        // is stored as its text reads, invalid sequences replaced, as before.
        var text = Utf8.IsValid(json) ? json.ToArray() : Encoding.UTF8.GetBytes(value.GetRawText());
        var write = new KvWrite(kind, key, text, KvValidation.ExpiresAt(request.Ttl, now), now, ExpectedRevision: request.IfRevision);

        var result = await WriteAsync(plugin, write, cancellationToken).ConfigureAwait(false);
        if (result.Applied)
            return new KvSetResponse(result.Revision);
        throw kind == KvWriteKind.SetIfAbsent
            ? new StorageException(StorageErrorCode.Conflict, $"Key '{key}' already exists (if_absent).",
                new Dictionary<string, object?> { ["field"] = "if_absent", ["key"] = key })
            : new StorageException(StorageErrorCode.Conflict, $"Key '{key}' is not at revision {request.IfRevision} (if_revision).",
                new Dictionary<string, object?> { ["field"] = "if_revision", ["key"] = key, ["expected"] = request.IfRevision });
    }

    public async Task<KvGetResponse> GetAsync(PluginId plugin, KvGetRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        var entry = await ProviderErrors.GuardAsync(() => engine.GetAsync(plugin, key, Now(), cancellationToken)).ConfigureAwait(false);
        if (entry is not { } found)
            return new KvGetResponse(false);
        try
        {
            var reader = new Utf8JsonReader(found.Json);
            DateTimeOffset? expiresAt = found.ExpiresAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
            return new KvGetResponse(true, JsonElement.ParseValue(ref reader), found.Revision, expiresAt);
        }
        finally
        {
            found.Return();
        }
    }

    public async Task WriteGetAsync(PluginId plugin, KvGetRequest request, IBufferWriter<byte> reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var key = KvValidation.Key(request.Key);
        var entry = await ProviderErrors.GuardAsync(() => engine.GetAsync(plugin, key, Now(), cancellationToken)).ConfigureAwait(false);
        try
        {
            KvGetReply.Write(reply, entry);
        }
        finally
        {
            entry?.Return();
        }
    }

    public async Task<KvDeleteResponse> DeleteAsync(PluginId plugin, KvDeleteRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        var result = await WriteAsync(plugin, new KvWrite(KvWriteKind.Delete, key, null, null, Now()), cancellationToken).ConfigureAwait(false);
        return new KvDeleteResponse(result.Applied);
    }

    public async Task<KvListResponse> ListAsync(PluginId plugin, KvListRequest request, CancellationToken cancellationToken)
    {
        var limit = KvValidation.Limit(request.Limit);
        var prefix = KvValidation.Optional(request.Prefix, "prefix");
        var after = KvValidation.Optional(request.After, "after");
        if (string.IsNullOrEmpty(prefix))
            prefix = null;
        var range = new KvKeyRange(prefix, prefix is null ? null : KvValidation.PrefixUpperBound(prefix), after, limit + 1, Now());
        var keys = await ProviderErrors.GuardAsync(() => engine.ListAsync(plugin, range, cancellationToken)).ConfigureAwait(false);
        var truncated = keys.Count > limit;
        if (truncated)
            keys.RemoveAt(keys.Count - 1);
        return new KvListResponse(keys, truncated, truncated ? keys[^1] : null);
    }

    public async Task<KvIncrResponse> IncrAsync(PluginId plugin, KvIncrRequest request, CancellationToken cancellationToken)
    {
        var key = KvValidation.Key(request.Key);
        var now = Now();
        var write = new KvWrite(KvWriteKind.Incr, key, null, KvValidation.ExpiresAt(request.Ttl, now), now,
            By: request.By ?? 1, HasTtl: request.Ttl is not null);
        var result = await WriteAsync(plugin, write, cancellationToken).ConfigureAwait(false);
        return result.Applied
            ? new KvIncrResponse(result.Value, result.Revision)
            : throw new StorageException(StorageErrorCode.Conflict, $"Key '{key}' holds a value that is not a 64-bit integer; incr needs one.",
                new Dictionary<string, object?> { ["key"] = key });
    }

    /// <summary>Deletes expired entries of one plugin; returns how many.</summary>
    public Task<int> SweepAsync(PluginId plugin, CancellationToken cancellationToken) =>
        ProviderErrors.GuardAsync(() => engine.SweepAsync(plugin, Now(), cancellationToken));

    private Task<KvWriteResult> WriteAsync(PluginId plugin, KvWrite write, CancellationToken cancellationToken) =>
        ProviderErrors.GuardAsync(() => engine.WriteAsync(plugin, write, cancellationToken));

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
