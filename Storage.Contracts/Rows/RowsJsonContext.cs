using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>Source-generated JSON metadata for the row contracts (snake_case on the wire).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(RowInsertRequest))]
[JsonSerializable(typeof(RowInsertResponse))]
[JsonSerializable(typeof(RowSelectRequest))]
[JsonSerializable(typeof(RowSelectResponse))]
[JsonSerializable(typeof(RowSearchRequest))]
[JsonSerializable(typeof(RowSearchResponse))]
[JsonSerializable(typeof(RowUpdateRequest))]
[JsonSerializable(typeof(RowUpdateResponse))]
[JsonSerializable(typeof(RowDeleteRequest))]
[JsonSerializable(typeof(RowDeleteResponse))]
[JsonSerializable(typeof(RowDescribeRequest))]
[JsonSerializable(typeof(RowDescribeResponse))]
[JsonSerializable(typeof(JsonObject))]
public sealed partial class RowsJsonContext : JsonSerializerContext;
