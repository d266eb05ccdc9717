using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>Source-generated JSON metadata for the KV contracts (snake_case on the wire).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(KvSetRequest))]
[JsonSerializable(typeof(KvSetResponse))]
[JsonSerializable(typeof(KvGetRequest))]
[JsonSerializable(typeof(KvGetResponse))]
[JsonSerializable(typeof(KvDeleteRequest))]
[JsonSerializable(typeof(KvDeleteResponse))]
[JsonSerializable(typeof(KvListRequest))]
[JsonSerializable(typeof(KvListResponse))]
[JsonSerializable(typeof(KvIncrRequest))]
[JsonSerializable(typeof(KvIncrResponse))]
[JsonSerializable(typeof(KvExportEntry))]
public sealed partial class KvJsonContext : JsonSerializerContext;
