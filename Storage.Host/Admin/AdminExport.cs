using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Kv;
using Storage.Rows;

namespace Storage.Host.Admin;

/// <summary>
/// <c>db.admin.export.&lt;plugin&gt;</c>: one JSON document with every live KV entry and every table's rows,
/// <c>{"plugin","exported_at","kv":[...],"tables":{"name":[...]}}</c>. The reply is bounded: past
/// <c>Admin:ExportMaxBytes</c> or the NATS server's <c>max_payload</c> it is refused with TOO_LARGE
/// instead of being built further.
/// </summary>
internal sealed class AdminExport(
    AdminService admin,
    IKvInspector kv,
    IRowInspector rows,
    IOptions<AdminOptions> options,
    NatsServerLimits limits,
    TimeProvider clock)
{
    public async Task<byte[]> ExportAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        await admin.RequireExistingAsync(plugin, cancellationToken).ConfigureAwait(false);
        var configured = options.Value.ExportMaxBytes;
        var limit = Math.Min(configured, limits.MaxPayload);
        var buffer = new ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(buffer, StorageJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("plugin", plugin.Value);
            writer.WriteString("exported_at", UtcTimestampJsonConverter.Format(clock.GetUtcNow()));
            writer.WriteStartArray("kv");
            await foreach (var entry in kv.ExportAsync(plugin, cancellationToken).ConfigureAwait(false))
            {
                JsonSerializer.Serialize(writer, entry, KvJsonContext.Default.KvExportEntry);
                Check(writer, plugin, limit, configured);
            }
            writer.WriteEndArray();
            writer.WriteStartObject("tables");
            foreach (var table in await rows.ListTablesAsync(plugin, cancellationToken).ConfigureAwait(false))
            {
                writer.WriteStartArray(table.Name);
                await foreach (var row in rows.ReadTableAsync(plugin, table.Name, cancellationToken).ConfigureAwait(false))
                {
                    row.WriteTo(writer);
                    Check(writer, plugin, limit, configured);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
            Check(writer, plugin, limit, configured);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private void Check(Utf8JsonWriter writer, PluginId plugin, long limit, long configured)
    {
        var size = writer.BytesCommitted + writer.BytesPending;
        if (size <= limit)
            return;
        var reason = limit < configured
            ? $"the NATS server's max_payload of {limits.MaxPayload} bytes (Admin:ExportMaxBytes is {configured})"
            : $"Admin:ExportMaxBytes = {configured}";
        throw new StorageException(StorageErrorCode.TooLarge,
            $"The export of plugin '{plugin}' exceeds {limit} bytes, the limit set by {reason}; inspect it with db.admin.storage and db.admin.kv instead.",
            new Dictionary<string, object?> { ["limit"] = limit, ["max_payload"] = limits.MaxPayload, ["export_max_bytes"] = configured });
    }
}
