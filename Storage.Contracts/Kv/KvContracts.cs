using System.Text.Json;
using System.Text.Json.Serialization;
using Storage.Contracts.Internal;

namespace Storage.Contracts;

/// <summary><c>db.kv.&lt;plugin&gt;.set</c> request.</summary>
public sealed record KvSetRequest(
    string? Key,
    [property: JsonConverter(typeof(JsonValueConverter))] JsonElement? Value,
    long? Ttl = null, bool? IfAbsent = null, long? IfRevision = null);

/// <summary><c>set</c> reply.</summary>
public sealed record KvSetResponse(long Revision);

/// <summary><c>db.kv.&lt;plugin&gt;.get</c> request.</summary>
public sealed record KvGetRequest(string? Key);

/// <summary><c>get</c> reply; only <see cref="Exists"/> is present for a missing key.</summary>
public sealed record KvGetResponse(
    bool Exists,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Value = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Revision = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(UtcTimestampJsonConverter))] DateTimeOffset? ExpiresAt = null);

/// <summary><c>db.kv.&lt;plugin&gt;.delete</c> request.</summary>
public sealed record KvDeleteRequest(string? Key);

/// <summary><c>delete</c> reply.</summary>
public sealed record KvDeleteResponse(bool Deleted);

/// <summary><c>db.kv.&lt;plugin&gt;.list</c> request.</summary>
public sealed record KvListRequest(string? Prefix = null, int? Limit = null, string? After = null);

/// <summary><c>list</c> reply; <see cref="Next"/> is passed back as <c>after</c> to continue.</summary>
public sealed record KvListResponse(
    IReadOnlyList<string> Keys,
    bool Truncated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Next = null);

/// <summary><c>db.kv.&lt;plugin&gt;.incr</c> request.</summary>
public sealed record KvIncrRequest(string? Key, long? By = null, long? Ttl = null);

/// <summary><c>incr</c> reply.</summary>
public sealed record KvIncrResponse(long Value, long Revision);
