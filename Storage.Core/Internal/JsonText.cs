using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Storage.Core.Internal;

/// <summary>
/// Embeds JSON text held in a column as JSON, compacted (PostgreSQL's jsonb output has spaces
/// after <c>:</c> and <c>,</c>), without building a document: once validated, it is written as a
/// stored KV value is (<see cref="StoredJson"/>), copied as it is when already compact.
/// </summary>
internal static class JsonText
{
    /// <summary>Writes <paramref name="text"/> as a JSON value; false (nothing written) when it is not valid JSON.</summary>
    public static bool TryCopy(string text, Utf8JsonWriter writer)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var utf8 = buffer.AsSpan(0, Encoding.UTF8.GetBytes(text, buffer));
            if (!IsValid(utf8))
                return false;
            StoredJson.WriteValue(writer, utf8);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // A first pass so that text which is not JSON leaves the writer untouched.
    private static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        try
        {
            while (reader.Read())
            {
            }
            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
