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
        catch (JsonException)
        {
            // A malformed body is answered by the handler with INVALID_JSON.
        }
        return null;
    }
}
