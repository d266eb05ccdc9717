using NATS.Client.Services;
using Storage.Core;
using Storage.Admin;
using Storage.Host.Admin;
using Storage.Host.Nats;
using Storage.Kv;
using Storage.Migrations;

namespace Storage.Host.Endpoints;

/// <summary>
/// <c>db.admin.plugins</c> and <c>db.admin.storage|kv|migrations|purge|export|import.&lt;plugin&gt;</c> (the plugin is
/// the fourth token). Only the admin user may publish here; that is NATS's job (<c>nats-config</c>).
/// </summary>
internal sealed class AdminEndpoints(AdminService admin, AdminExport export, AdminImport import, IKvStore kv, IMigrator migrator) : IEndpointGroup
{
    private const int PluginToken = 3;
    private static readonly AdminJsonContext Json = AdminJsonContext.Default;

    public async Task MapAsync(INatsSvcServer service, RequestDispatcher dispatcher, CancellationToken cancellationToken)
    {
        await dispatcher.AddEndpointAsync(service, "admin-plugins", "db.admin.plugins", isWrite: false, RequestDispatcher.NoPlugin, async (_, _, ct) =>
            JsonHandlers.Serialize(await admin.PluginsAsync(ct), Json.AdminPluginsResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "admin-storage", "db.admin.storage.*", isWrite: false, PluginToken, async (plugin, _, ct) =>
            JsonHandlers.Serialize(await admin.StorageAsync(plugin, ct), Json.AdminStorageResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "admin-kv", "db.admin.kv.*", isWrite: false, PluginToken, async (plugin, body, ct) =>
        {
            var request = StorageJson.Deserialize(body.Span, KvJsonContext.Default.KvListRequest);
            await admin.RequireExistingAsync(plugin, ct);
            return JsonHandlers.Serialize(await kv.ListAsync(plugin, request, ct), KvJsonContext.Default.KvListResponse);
        }, cancellationToken);
        await dispatcher.AddEndpointAsync(service, "admin-migrations", "db.admin.migrations.*", isWrite: false, PluginToken, async (plugin, _, ct) =>
        {
            await admin.RequireExistingAsync(plugin, ct);
            return JsonHandlers.Serialize(await migrator.StatusAsync(plugin, ct), MigrationsJsonContext.Default.MigrationStatusResponse);
        }, cancellationToken);
        await dispatcher.AddEndpointAsync(service, "admin-purge", "db.admin.purge.*", isWrite: true, PluginToken, async (plugin, body, ct) =>
            JsonHandlers.Serialize(await admin.PurgeAsync(plugin, StorageJson.Deserialize(body.Span, Json.AdminPurgeRequest), ct), Json.AdminPurgeResponse), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "admin-export", "db.admin.export.*", isWrite: false, PluginToken,
            async (plugin, _, ct) => await export.ExportAsync(plugin, ct), cancellationToken);
        await dispatcher.AddEndpointAsync(service, "admin-import", "db.admin.import.*", isWrite: true, PluginToken, async (plugin, body, ct) =>
            JsonHandlers.Serialize(await import.ImportAsync(plugin, StorageJson.Deserialize(body.Span, Json.JsonElement), ct), Json.AdminImportResponse), cancellationToken);
    }
}
