using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>Source-generated JSON metadata for the SQL contracts (snake_case on the wire).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(SqlQueryRequest))]
[JsonSerializable(typeof(SqlQueryResponse))]
[JsonSerializable(typeof(SqlStatsRequest))]
[JsonSerializable(typeof(SqlStatsResponse))]
public sealed partial class SqlJsonContext : JsonSerializerContext;
