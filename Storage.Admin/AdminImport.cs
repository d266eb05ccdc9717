using System.Text.Json;
using Storage.Core;
using Storage.Kv;
using Storage.Migrations;
using Storage.Rows;

namespace Storage.Admin;

/// <summary>
/// The other half of <see cref="AdminExport"/>: restores a plugin's KV entries (value, TTL, revision)
/// and every exported table's rows into a plugin whose migration journal matches the export's.
/// Everything is checked before anything is written; rows are written as the plugin's role in one
/// transaction, then KV in one transaction.
/// </summary>
public sealed class AdminImport(IPluginDatabase database, IKvInspector kv, IRowInspector rows, IMigrator migrator)
{
    private string ProviderName => database.Provider.WireName();

    public async Task<AdminImportResponse> ImportAsync(PluginId plugin, JsonElement export, CancellationToken cancellationToken)
    {
        if (export.ValueKind != JsonValueKind.Object)
            throw StorageException.InvalidField("(body)", "The body must be the JSON object db.admin.export returned.");
        var migrations = Array(export, "migrations");
        var provider = export.TryGetProperty("provider", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var entries = Array(export, "kv").Select((e, i) => Entry(e, i)).ToList();
        if (!export.TryGetProperty("tables", out var tableObject) || tableObject.ValueKind != JsonValueKind.Object)
            throw StorageException.InvalidField("tables", "Field 'tables' is required: an object of table name to a list of rows.");
        var tables = tableObject.EnumerateObject()
            .Select(t => new KeyValuePair<string, IReadOnlyList<JsonElement>>(t.Name, Array(tableObject, t.Name, $"tables.{t.Name}")))
            .ToList();

        await RequireSameJournalAsync(plugin, migrations, provider, cancellationToken).ConfigureAwait(false);
        var written = await rows.ImportAsync(plugin, tables, cancellationToken).ConfigureAwait(false);
        var keys = await kv.ImportAsync(plugin, entries, cancellationToken).ConfigureAwait(false);
        return new AdminImportResponse(plugin.Value, keys, written);
    }

    // The rows only fit the tables the same migrations built: the first version that differs is named.
    // A checksum covers the script the backend ran, so a migration with one script per backend has
    // a different checksum on each: from another backend only the versions are compared.
    private async Task RequireSameJournalAsync(PluginId plugin, IReadOnlyList<JsonElement> exported, string? exportProvider, CancellationToken cancellationToken)
    {
        var sameBackend = exportProvider is null || exportProvider == ProviderName;
        var applied = (await migrator.StatusAsync(plugin, cancellationToken).ConfigureAwait(false)).Applied;
        for (var i = 0; i < Math.Max(applied.Count, exported.Count); i++)
        {
            var (version, checksum) = i < exported.Count ? Migration(exported[i], i) : (null, null);
            var target = i < applied.Count ? applied[i] : null;
            if (target is not null && version == target.Version && (checksum == target.Checksum || !sameBackend))
                continue;
            var differing = version ?? target!.Version;
            var why = target is null ? "the target has not applied it"
                : version is null ? "the export does not have it"
                : version != target.Version ? $"the target applied '{target.Version}' in its place"
                : "its checksum differs (the migration's text is not the same)";
            throw new StorageException(StorageErrorCode.Conflict,
                $"The migrations of plugin '{plugin}' differ from the export's at version '{differing}': {why}. Apply the same migrations before importing.",
                new Dictionary<string, object?>
                {
                    ["field"] = "migrations", ["version"] = differing,
                    ["export_checksum"] = checksum, ["target_version"] = target?.Version, ["target_checksum"] = target?.Checksum,
                });
        }
    }

    private static (string Version, string Checksum) Migration(JsonElement element, int index) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String
        && element.TryGetProperty("checksum", out var checksum) && checksum.ValueKind == JsonValueKind.String
            ? (version.GetString()!, checksum.GetString()!)
            : throw StorageException.InvalidField($"migrations[{index}]", $"Field 'migrations[{index}]' must be an object with string 'version' and 'checksum'.");

    private static KvExportEntry Entry(JsonElement element, int index)
    {
        try
        {
            return element.Deserialize(KvJsonContext.Default.KvExportEntry) is { Key: not null, Value.ValueKind: not JsonValueKind.Undefined } entry
                ? entry
                : throw new JsonException("key or value missing");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw StorageException.InvalidField($"kv[{index}]",
                $"Field 'kv[{index}]' must be {{\"key\": string, \"value\": any, \"revision\": number, \"expires_at\"?: ISO-8601}}.");
        }
    }

    private static IReadOnlyList<JsonElement> Array(JsonElement parent, string name, string? field = null)
    {
        field ??= name;
        return parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().ToList()
            : throw StorageException.InvalidField(field, $"Field '{field}' is required: a list, as db.admin.export returns it.");
    }
}
