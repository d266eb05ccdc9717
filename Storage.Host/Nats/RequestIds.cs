using System.Text.Json;

namespace Storage.Host.Nats;

/// <summary>Finds a top-level <c>request_id</c> string in a request body without parsing the rest.</summary>
internal static class RequestIds
{
    public static string? Find(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRequestId = reader.ValueTextEquals("request_id"u8);
                reader.Read();
                if (isRequestId)
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A malformed body (or a request_id with a lone surrogate escape, which the reader
            // refuses to decode) is answered by the handler with INVALID_JSON or INVALID_REQUEST.
        }
        return null;
    }
}
