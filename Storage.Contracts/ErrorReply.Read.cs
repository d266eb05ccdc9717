using System.Text.Json;

namespace Storage.Contracts;

public static partial class ErrorReply
{
    /// <summary>
    /// The error of a failure reply as a <see cref="StorageException"/> (detail numbers as <see cref="long"/>
    /// or <see cref="double"/>, lists and objects as <see cref="JsonElement"/>); null for a success reply.
    /// A code this version does not know is <see cref="StorageErrorCode.Internal"/> with the wire name in <c>details.code</c>.
    /// </summary>
    public static StorageException? TryRead(ReadOnlySpan<byte> reply)
    {
        if (!StartsWithError(reply))
            return null;
        using var document = JsonDocument.Parse(reply.ToArray());
        if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            return null;
        var wireName = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "The service reported an error.";
        var details = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (error.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in d.EnumerateObject())
                details[property.Name] = Scalar(property.Value);
        }
        if (!StorageErrorCodes.TryParse(wireName, out var code))
            details["code"] = wireName;
        return new StorageException(code, message, details);
    }

    // Success replies never have an "error" member; this skips parsing them twice.
    private static bool StartsWithError(ReadOnlySpan<byte> reply)
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
            // Not JSON: the caller's own parse reports it.
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
