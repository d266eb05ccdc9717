using System.Text.Json;

namespace Storage.Client.Internal;

/// <summary>Reads the contract's failure body <c>{"error": {"code", "message", "details"}}</c> into a <see cref="StorageException"/>.</summary>
internal static class ErrorReplies
{
    /// <summary>The error of a failure reply; null for a success reply (no top-level <c>error</c> object).</summary>
    public static StorageException? TryRead(ReadOnlySpan<byte> reply)
    {
        if (!LooksLikeError(reply))
            return null;
        using var document = JsonDocument.Parse(reply.ToArray());
        if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            return null;
        var wireName = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "The service reported an error.";
        var details = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (error.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
            foreach (var property in d.EnumerateObject())
                details[property.Name] = Scalar(property.Value);
        if (!StorageErrorCodes.TryParse(wireName, out var code))
            details["code"] = wireName; // A code newer than this client: kept, reported as INTERNAL.
        return new StorageException(code, message, details);
    }

    // Success replies never start with an "error" member; skip parsing them twice.
    private static bool LooksLikeError(ReadOnlySpan<byte> reply)
    {
        var reader = new Utf8JsonReader(reply);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("error"u8))
                    return true;
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON: handled by the caller's parse, which reports it.
        }
        return false;
    }

    private static object? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => value.Clone(),
    };
}
