using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Storage.Core;

/// <summary>
/// Reads request bodies with source-generated metadata and maps failures to the contract:
/// a body that is not a JSON object is <c>INVALID_JSON</c>; a field of the wrong type is
/// <c>INVALID_REQUEST</c> naming the field.
/// </summary>
public static class StorageJson
{
    /// <summary>
    /// How replies the service writes by hand are encoded: text as it is (quotes in messages stay
    /// <c>'key'</c>, not <c>\u0027key\u0027</c>); replies are JSON for NATS clients, never embedded in HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Deserializes a request object; raises INVALID_JSON or INVALID_REQUEST as described above.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> typeInfo)
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException ex)
        {
            if (!IsJsonObject(body))
                throw NotAnObject();
            var field = FieldName(ex.Path);
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Field '{field}' has the wrong type: expected {ExpectedType(ex.Message)}.",
                new Dictionary<string, object?> { ["field"] = field }, ex);
        }
        return value is null ? throw NotAnObject() : value;
    }

    /// <summary>
    /// Refuses a value whose strings or property names hold an escaped unpaired surrogate
    /// (<c>"\ud800"</c>): the parser accepts it, but it is not Unicode, so it could never be stored
    /// and written back. Raises INVALID_REQUEST naming <paramref name="field"/>.
    /// </summary>
    public static void RequireValidUnicode(JsonElement value, string field)
    {
        try
        {
            Walk(value);
        }
        catch (InvalidOperationException)
        {
            throw StorageException.InvalidField(field, $"Field '{field}' contains an escaped unpaired surrogate (\\uD800-\\uDFFF); strings must be valid Unicode.");
        }

        static void Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                        Walk(item);
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }
                    break;
            }
        }
    }

    /// <summary>Whether the bytes are one syntactically valid JSON object.</summary>
    public static bool IsJsonObject(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static StorageException NotAnObject() =>
        new(StorageErrorCode.InvalidJson, "The request body must be a JSON object.");

    private static string FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return "(body)";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Replace("['", "", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal);
    }

    // System.Text.Json names the CLR type it wanted; say it in JSON terms instead.
    private static string ExpectedType(string message) => message switch
    {
        _ when message.Contains("Int64", StringComparison.Ordinal) || message.Contains("Int32", StringComparison.Ordinal) => "an integer",
        _ when message.Contains("Double", StringComparison.Ordinal) || message.Contains("Decimal", StringComparison.Ordinal) => "a number",
        _ when message.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        // Before "String": a dictionary's type name holds "String" too.
        _ when message.Contains("Dictionary", StringComparison.Ordinal) => "an object of named parameters",
        _ when message.Contains("String", StringComparison.Ordinal) => "a string",
        _ when message.Contains("List", StringComparison.Ordinal) || message.Contains("[]", StringComparison.Ordinal) => "an array",
        _ => "a different JSON type",
    };
}
