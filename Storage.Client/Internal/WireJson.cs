using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Storage.Client.Internal;

/// <summary>
/// The contract records through the contract's own source-generated metadata: requests without
/// their null fields (an absent field and <c>null</c> mean the same to the service, this keeps bodies
/// small), replies exactly as the contexts read them.
/// </summary>
internal static class WireJson
{
    private static readonly JsonSerializerOptions Requests = new()
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(KvJsonContext.Default, RowsJsonContext.Default, SqlJsonContext.Default, MigrationsJsonContext.Default),
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Request<T>(T request) => JsonSerializer.SerializeToUtf8Bytes(request, (JsonTypeInfo<T>)Requests.GetTypeInfo(typeof(T)));

    /// <summary>The body with <c>"request_id"</c> as its first field (the service finds it there without parsing the rest).</summary>
    public static byte[] WithRequestId(byte[] body, string requestId)
    {
        var head = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["request_id"] = requestId }, ClientJsonContext.Default.DictionaryStringString);
        // head is {"request_id":"..."}; body is {...}: keep head without its '}', then body without its '{'.
        var empty = body.AsSpan(1).Trim(" \t\r\n"u8).SequenceEqual("}"u8);
        return empty ? head : [.. head.AsSpan(0, head.Length - 1), (byte)',', .. body.AsSpan(1)];
    }
}
