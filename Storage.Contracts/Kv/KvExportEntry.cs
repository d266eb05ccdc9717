using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>One KV entry in an admin export.</summary>
public sealed record KvExportEntry(
    string Key,
    JsonElement Value,
    long Revision,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), JsonConverter(typeof(UtcTimestampJsonConverter))] DateTimeOffset? ExpiresAt = null);
