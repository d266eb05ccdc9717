using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>The shape of every thin endpoint: parse the body, call the tier, serialize its reply.</summary>
internal static class JsonHandlers
{
    /// <summary>A handler that reads <typeparamref name="TRequest"/>, calls <paramref name="call"/> and writes <typeparamref name="TReply"/>.</summary>
    public static RequestHandler Call<TRequest, TReply>(
        JsonTypeInfo<TRequest> request, JsonTypeInfo<TReply> reply, Func<PluginId, TRequest, CancellationToken, Task<TReply>> call) =>
        async (plugin, body, cancellationToken) =>
            Serialize(await call(plugin, StorageJson.Deserialize(body.Span, request), cancellationToken).ConfigureAwait(false), reply);

    /// <summary>
    /// A handler that reads <typeparamref name="TRequest"/> and lets the tier write the reply's JSON itself
    /// (values copied as UTF-8, unparsed) into a pooled buffer; only the finished reply becomes an array.
    /// </summary>
    public static RequestHandler Write<TRequest>(
        JsonTypeInfo<TRequest> request, Func<PluginId, TRequest, IBufferWriter<byte>, CancellationToken, Task> write) =>
        async (plugin, body, cancellationToken) =>
        {
            var parsed = StorageJson.Deserialize(body.Span, request);
            using var reply = new PooledBufferWriter();
            await write(plugin, parsed, reply, cancellationToken).ConfigureAwait(false);
            return reply.WrittenSpan.ToArray();
        };

    /// <summary>A reply body, through source-generated metadata.</summary>
    public static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
}
