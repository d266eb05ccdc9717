using System.Buffers;
using System.Text.Json;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>
/// Writes the <c>get</c> reply by hand, as the serializer writes <see cref="KvGetResponse"/> (same
/// property order, default writer options, absent fields left out), with the stored value copied
/// into it as UTF-8 (<see cref="StoredJson"/>) instead of parsed into an element and written back.
/// </summary>
internal static class KvGetReply
{
    public static void Write(IBufferWriter<byte> reply, KvEntry? entry)
    {
        using var writer = new Utf8JsonWriter(reply);
        writer.WriteStartObject();
        writer.WriteBoolean("exists"u8, entry is not null);
        if (entry is { } found)
        {
            writer.WritePropertyName("value"u8);
            StoredJson.WriteValue(writer, found.Json);
            writer.WriteNumber("revision"u8, found.Revision);
            if (found.ExpiresAt is { } ms)
                writer.WriteString("expires_at"u8, UtcTimestampJsonConverter.Format(DateTimeOffset.FromUnixTimeMilliseconds(ms)));
        }
        writer.WriteEndObject();
    }
}
