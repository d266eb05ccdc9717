using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Admin;

/// <summary>Source-generated JSON metadata for the admin contracts (snake_case on the wire).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(AdminPluginsResponse))]
[JsonSerializable(typeof(AdminStorageResponse))]
[JsonSerializable(typeof(AdminPurgeRequest))]
[JsonSerializable(typeof(AdminPurgeResponse))]
[JsonSerializable(typeof(AdminImportResponse))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
