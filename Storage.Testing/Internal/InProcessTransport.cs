using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Storage.Client;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;
using Storage.Sql;

namespace Storage.Testing.Internal;

/// <summary>
/// Answers the client's requests like the host's endpoints do, without NATS: the plugin from the
/// subject, the body through <see cref="StorageJson.Deserialize"/> and the contract's JSON contexts,
/// the same tier call, the reply serialized the same way, <c>request_id</c> idempotency for writes,
/// unknown operations listed, and every failure as the contract's error body (<see cref="ErrorReply"/>).
/// </summary>
internal sealed class InProcessTransport : IStorageTransport
{
    private delegate Task<byte[]> Handler(PluginId plugin, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    private readonly Dictionary<string, Dictionary<string, (bool IsWrite, Handler Handler)>> _tiers;
    /// <summary>The nats-server's default <c>max_payload</c>: a request or reply the NATS path could not carry fails here too.</summary>
    public const int MaxPayloadBytes = 1024 * 1024;

    // The host keeps this much of max_payload free for a reply's headers.
    private const int HeaderHeadroomBytes = 512;

    private readonly TwinIdempotency _idempotency;

    public InProcessTransport(IKvStore kv, IRowStore rows, ISqlRunner sql, IMigrator migrator, TimeProvider clock)
    {
        _idempotency = new TwinIdempotency(clock);
        var k = KvJsonContext.Default;
        var r = RowsJsonContext.Default;
        var s = SqlJsonContext.Default;
        _tiers = new(StringComparer.Ordinal)
        {
            ["kv"] = new(StringComparer.Ordinal)
            {
                ["set"] = (true, Call(k.KvSetRequest, k.KvSetResponse, kv.SetAsync)),
                ["get"] = (false, Write(k.KvGetRequest, kv.WriteGetAsync)),
                ["delete"] = (true, Call(k.KvDeleteRequest, k.KvDeleteResponse, kv.DeleteAsync)),
                ["list"] = (false, Call(k.KvListRequest, k.KvListResponse, kv.ListAsync)),
                ["incr"] = (true, Call(k.KvIncrRequest, k.KvIncrResponse, kv.IncrAsync)),
            },
            ["row"] = new(StringComparer.Ordinal)
            {
                ["insert"] = (true, Call(r.RowInsertRequest, r.RowInsertResponse, rows.InsertAsync)),
                ["select"] = (false, Call(r.RowSelectRequest, r.RowSelectResponse, rows.SelectAsync)),
                ["search"] = (false, Write(r.RowSearchRequest, rows.WriteSearchAsync)),
                ["update"] = (true, Call(r.RowUpdateRequest, r.RowUpdateResponse, rows.UpdateAsync)),
                ["delete"] = (true, Call(r.RowDeleteRequest, r.RowDeleteResponse, rows.DeleteAsync)),
                ["describe"] = (false, Call(r.RowDescribeRequest, r.RowDescribeResponse, rows.DescribeAsync)),
            },
            ["sql"] = new(StringComparer.Ordinal)
            {
                ["query"] = (true, Write(s.SqlQueryRequest, sql.WriteQueryAsync)),
                ["stats"] = (false, (plugin, body, _) =>
                {
                    StorageJson.Deserialize(body.Span, s.SqlStatsRequest);
                    return Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(sql.Stats(plugin), s.SqlStatsResponse));
                }),
            },
            ["migrate"] = new(StringComparer.Ordinal) { [""] = (true, (plugin, body, ct) => MigrationRequests.HandleAsync(migrator, plugin, body, ct)) },
        };
    }

    public async ValueTask<ReadOnlyMemory<byte>> RequestAsync(string subject, ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        cancellationToken.ThrowIfCancellationRequested();
        // The NATS client refuses such a request before sending it (the client maps that to TOO_LARGE); so does the twin.
        if (body.Length > MaxPayloadBytes)
            throw new StorageException(StorageErrorCode.TooLarge,
                $"The request is {body.Length} bytes, more than the NATS server's max_payload accepts; send less (fewer rows per insert, a smaller value).",
                new Dictionary<string, object?> { ["actual_bytes"] = body.Length });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var (tier, pluginToken, operation) = Split(subject);
            var plugin = PluginId.Parse(pluginToken);
            if (!_tiers.TryGetValue(tier, out var operations))
                throw new StorageException(StorageErrorCode.InvalidRequest, $"No storage service answers {subject}.", new Dictionary<string, object?> { ["subject"] = subject });
            if (!operations.TryGetValue(operation, out var endpoint))
                throw UnknownOperation(tier, subject, operation, [.. operations.Keys]);
            var requestId = RequestIds.Find(body.Span);
            var reply = requestId is null || !endpoint.IsWrite
                ? await endpoint.Handler(plugin, body, deadline.Token).ConfigureAwait(false)
                : await _idempotency.GetOrRunAsync(subject, requestId, body, () => endpoint.Handler(plugin, body, deadline.Token)).ConfigureAwait(false);
            return RequireFits(reply);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return ErrorReply.Serialize(ToStorageException(ex, deadline.IsCancellationRequested, timeout));
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // The host's rule: no reply exceeds what the nats-server accepts.
    private static byte[] RequireFits(byte[] reply)
    {
        const int limit = MaxPayloadBytes - HeaderHeadroomBytes;
        if (reply.Length > limit)
            throw new StorageException(StorageErrorCode.TooLarge,
                $"The reply is {reply.Length} bytes; the NATS server accepts at most {limit} bytes per reply (its max_payload of {MaxPayloadBytes} less room for headers). Ask for less (limit, fields, max_rows).",
                new Dictionary<string, object?> { ["limit_bytes"] = limit, ["actual_bytes"] = reply.Length, ["max_payload"] = MaxPayloadBytes });
        return reply;
    }

    // The host's mapping: provider errors translated in one place; a deadline is TIMEOUT; anything else INTERNAL, generic.
    private static StorageException ToStorageException(Exception ex, bool pastDeadline, TimeSpan timeout)
    {
        var translated = ProviderErrors.Translate(ex);
        if (pastDeadline && (ex is OperationCanceledException || translated is null || translated.Code is StorageErrorCode.Timeout or StorageErrorCode.Internal))
            return new StorageException(StorageErrorCode.Timeout, $"The request did not finish within its deadline of {timeout.TotalMilliseconds:0} ms and was canceled.",
                new Dictionary<string, object?> { ["limit_ms"] = (long)timeout.TotalMilliseconds });
        return translated ?? new StorageException(StorageErrorCode.Internal, "An internal error occurred; it has been logged.", null, ex);
    }

    private static StorageException UnknownOperation(string tier, string subject, string operation, IReadOnlyList<string> operations)
    {
        var suggestion = Suggest.Closest(operation, operations);
        return new StorageException(StorageErrorCode.InvalidRequest,
            $"'{operation}' is not an operation of the {tier} tier ({subject}). Valid operations: {string.Join(", ", operations)}.{Suggest.Hint(suggestion)}",
            Suggest.With(new Dictionary<string, object?> { ["operation"] = operation, ["operations"] = operations }, suggestion));
    }

    // "db.kv.<plugin>.<op...>" or "db.migrate.<plugin>".
    private static (string Tier, string? Plugin, string Operation) Split(string subject)
    {
        var parts = subject.Split('.', 4);
        return parts.Length < 3 || parts[0] != "db"
            ? ("", null, "")
            : (parts[1], parts[2], parts.Length == 4 ? parts[3] : "");
    }

    private static Handler Call<TRequest, TReply>(JsonTypeInfo<TRequest> request, JsonTypeInfo<TReply> reply, Func<PluginId, TRequest, CancellationToken, Task<TReply>> call) =>
        async (plugin, body, cancellationToken) =>
            JsonSerializer.SerializeToUtf8Bytes(await call(plugin, StorageJson.Deserialize(body.Span, request), cancellationToken).ConfigureAwait(false), reply);

    // The host's shape for tiers that write their reply themselves (values copied as UTF-8, unparsed).
    private static Handler Write<TRequest>(JsonTypeInfo<TRequest> request, Func<PluginId, TRequest, System.Buffers.IBufferWriter<byte>, CancellationToken, Task> write) =>
        async (plugin, body, cancellationToken) =>
        {
            var parsed = StorageJson.Deserialize(body.Span, request);
            using var reply = new PooledBufferWriter();
            await write(plugin, parsed, reply, cancellationToken).ConfigureAwait(false);
            return reply.WrittenSpan.ToArray();
        };
}
