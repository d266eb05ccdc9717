using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

internal sealed partial class RowStore
{
    public async Task<RowSearchResponse> SearchAsync(PluginId plugin, RowSearchRequest request, CancellationToken cancellationToken)
    {
        // One path for both: the reply as the host sends it, read back into the response.
        using var reply = new PooledBufferWriter();
        await WriteSearchAsync(plugin, request, reply, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(reply.WrittenSpan, RowsJsonContext.Default.RowSearchResponse)!;
    }

    public async Task WriteSearchAsync(PluginId plugin, RowSearchRequest request, IBufferWriter<byte> reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var table = await catalog.TableAsync(plugin, request.Table, cancellationToken).ConfigureAwait(false);
        var limit = request.Limit ?? DefaultLimit;
        if (limit is < 1 or > MaxLimit)
            throw StorageException.OutOfRange("limit", $"between 1 and {MaxLimit}", limit);
        if (request.Offset is < 0)
            throw StorageException.OutOfRange("offset", "0 or more", request.Offset);
        var fields = request.Fields?.Select((f, i) => table.Column(f, $"fields[{i}]").Name).ToHashSet(StringComparer.Ordinal);
        if (fields is { Count: 0 })
            throw StorageException.InvalidField("fields", "Field 'fields' must name at least one column (omit it for all columns).");
        var keys = SortParser.Parse(table, request.Sort);
        var after = request.After is null ? null : RowCursor.Decode(request.After, table, keys);
        // Columns left out by 'fields' are skipped unread; the cursor's (sort keys, id) are read from the last row only.
        var visible = table.Columns.Select(c => fields is null || fields.Contains(c.Name)).ToArray();
        var cursor = table.Columns.Select(c => keys.Any(k => k.Column.Name == c.Name) || c.Name == table.Key?.Name).ToArray();
        var budget = Budget();

        await RunAsync(plugin, PluginAccess.Read, async (connection, sql) =>
        {
            var condition = new FilterCompiler(table, sql).Compile(request.Filters);
            var page = after is null ? condition : $"{condition} AND {RowCursor.After(sql, keys, after)}";
            sql.Append($"SELECT {Columns(table)} FROM {connection.Qualify(table.Name)} WHERE {page} ORDER BY {OrderBy(keys)} LIMIT {SqlText.Limit(limit + 1)}");
            if (request.Offset is > 0)
                sql.Append($" OFFSET {sql.Param((long)request.Offset.Value)}");

            // Written as the serializer writes RowSearchResponse (property order, default escaping, nulls left out).
            await using var writer = new Utf8JsonWriter(reply);
            writer.WriteStartObject();
            var rows = new SearchPageWriter(table.Columns, visible, cursor, limit, budget);
            await ReadAsync(connection, sql, async reader =>
            {
                await rows.WriteAsync(writer, reader, cancellationToken).ConfigureAwait(false);
                return true;
            }, cancellationToken, last: request.Count != true).ConfigureAwait(false);
            var next = rows.Truncated && table.Key is not null ? RowCursor.Encode(table, keys, rows.LastRow!.Value) : null;
            budget.Add((next?.Length ?? 0) + 16);
            writer.WriteBoolean("truncated"u8, rows.Truncated);
            if (next is not null)
                writer.WriteString("next"u8, next);
            if (request.Count == true)
            {
                // Same filter parameters, so a fresh statement with the condition compiled again.
                var count = new SqlText(connection.Provider);
                count.Append($"SELECT COUNT(*) FROM {connection.Qualify(table.Name)} WHERE {new FilterCompiler(table, count).Compile(request.Filters)}");
                await using var command = count.Create(connection);
                var total = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                writer.WriteNumber("total"u8, total);
            }
            writer.WriteEndObject();
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
