using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;

namespace Storage.Admin;

/// <summary>
/// A plugin's whole data as one JSON document,
/// <c>{"plugin","exported_at","provider","migrations":[{"version","checksum"}],"kv":[...],"tables":{"name":[...]}}</c>.
/// Over <c>db.admin.export.&lt;plugin&gt;</c> the reply is bounded: past <c>Admin:ExportMaxBytes</c> or the
/// NATS server's <c>max_payload</c> it is refused with TOO_LARGE instead of being built further.
/// The CLI (<c>export --file</c>) streams the same document to a file without a limit.
/// </summary>
public sealed class AdminExport(
    IPluginDatabase database,
    AdminService admin,
    IKvInspector kv,
    IRowInspector rows,
    IMigrator migrator,
    IOptions<AdminOptions> options,
    ReplyLimits limits,
    TimeProvider clock)
{
    /// <summary>The export as a reply, within the admin and NATS limits.</summary>
    public async Task<byte[]> ExportAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var configured = options.Value.ExportMaxBytes;
        var limit = Math.Min(configured, limits.MaxPayloadBytes);
        var buffer = new ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(buffer, StorageJson.WriterOptions))
            await WriteAsync(plugin, writer, () => Check(writer, plugin, limit, configured), cancellationToken).ConfigureAwait(false);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Streams the export to <paramref name="stream"/>, flushing as it goes; the size is unbounded.</summary>
    public async Task ExportAsync(PluginId plugin, Stream stream, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(stream, StorageJson.WriterOptions);
        await WriteAsync(plugin, writer, () =>
        {
            // Flushing every 64 KiB keeps memory flat however large the plugin is.
            if (writer.BytesPending > 64 * 1024)
                writer.Flush();
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteAsync(PluginId plugin, Utf8JsonWriter writer, Action afterItem, CancellationToken cancellationToken)
    {
        await admin.RequireExistingAsync(plugin, cancellationToken).ConfigureAwait(false);
        writer.WriteStartObject();
        writer.WriteString("plugin", plugin.Value);
        writer.WriteString("exported_at", UtcTimestampJsonConverter.Format(clock.GetUtcNow()));
        writer.WriteString("provider", database.Provider.WireName());
        writer.WriteStartArray("migrations");
        foreach (var applied in (await migrator.StatusAsync(plugin, cancellationToken).ConfigureAwait(false)).Applied)
        {
            writer.WriteStartObject();
            writer.WriteString("version", applied.Version);
            writer.WriteString("checksum", applied.Checksum);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("kv");
        await foreach (var entry in kv.ExportAsync(plugin, cancellationToken).ConfigureAwait(false))
        {
            JsonSerializer.Serialize(writer, entry, KvJsonContext.Default.KvExportEntry);
            afterItem();
        }
        writer.WriteEndArray();
        writer.WriteStartObject("tables");
        foreach (var table in await rows.ListTablesAsync(plugin, cancellationToken).ConfigureAwait(false))
        {
            writer.WriteStartArray(table.Name);
            await foreach (var row in rows.ReadTableAsync(plugin, table.Name, cancellationToken).ConfigureAwait(false))
            {
                row.WriteTo(writer);
                afterItem();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        afterItem();
    }

    private void Check(Utf8JsonWriter writer, PluginId plugin, long limit, long configured)
    {
        var size = writer.BytesCommitted + writer.BytesPending;
        if (size <= limit)
            return;
        var reason = limit < configured
            ? $"the NATS server's max_payload of {limits.MaxPayloadBytes} bytes (Admin:ExportMaxBytes is {configured})"
            : $"Admin:ExportMaxBytes = {configured}";
        throw new StorageException(StorageErrorCode.TooLarge,
            $"The export of plugin '{plugin}' exceeds {limit} bytes, the limit set by {reason}; use 'Storage.Host export --plugin {plugin} --file F', which has no limit.",
            new Dictionary<string, object?> { ["limit"] = limit, ["max_payload"] = limits.MaxPayloadBytes, ["export_max_bytes"] = configured });
    }
}
