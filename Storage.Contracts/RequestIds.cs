using System.Text.Json;

namespace Storage.Contracts;

/// <summary>Finds and checks a top-level <c>request_id</c> in a request body without parsing the rest.</summary>
public static class RequestIds
{
    /// <summary>The longest <c>request_id</c>, in characters (Unicode code points).</summary>
    public const int MaxLength = 128;

    /// <summary>
    /// The body's <c>request_id</c>, or null when it has none. Raises INVALID_REQUEST when it is not a
    /// string of 1 to <see cref="MaxLength"/> characters; a malformed body is left to the handler (INVALID_JSON).
    /// </summary>
    public static string? Find(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRequestId = reader.ValueTextEquals("request_id"u8);
                reader.Read();
                if (isRequestId)
                    return Check(ref reader);
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // A malformed body is answered by the handler with INVALID_JSON.
        }
        return null;
    }

    private static string Check(ref Utf8JsonReader reader)
    {
        string? id = null;
        if (reader.TokenType == JsonTokenType.String)
        {
            try
            {
                id = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                // An escaped unpaired surrogate: not Unicode text, refused below like any bad id.
            }
        }
        var length = id is null ? 0 : id.EnumerateRunes().Count();
        if (id is not null && length is >= 1 and <= MaxLength)
            return id;
        var got = reader.TokenType switch
        {
            JsonTokenType.String when id is null => "a string that is not valid Unicode",
            JsonTokenType.String => $"a string of {length} characters",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            JsonTokenType.StartArray => "an array",
            _ => "an object",
        };
        throw new StorageException(StorageErrorCode.InvalidRequest,
            $"Field 'request_id' must be a string of 1 to {MaxLength} characters; got {got}.",
            new Dictionary<string, object?> { ["field"] = "request_id", ["limit"] = MaxLength, ["actual"] = got });
    }
}
