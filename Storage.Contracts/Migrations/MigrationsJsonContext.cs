using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>Source-generated JSON metadata for the migration contracts (snake_case on the wire).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(MigrationRequest))]
[JsonSerializable(typeof(MigrationApplyResponse))]
[JsonSerializable(typeof(MigrationRollbackResponse))]
[JsonSerializable(typeof(MigrationStatusResponse))]
public sealed partial class MigrationsJsonContext : JsonSerializerContext;
