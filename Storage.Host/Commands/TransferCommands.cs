using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Admin;
using Storage.Host.Admin;

namespace Storage.Host.Commands;

/// <summary>
/// <c>Storage.Host export --plugin X --file F</c> and <c>import --plugin X --file F</c>: the admin
/// export and import without NATS, so a plugin's size is not limited by <c>max_payload</c>. They use
/// the service's configuration (<c>--Storage:Provider=...</c> etc.), so exporting from a SQLite
/// deployment and importing into a PostgreSQL one is two commands with different switches.
/// </summary>
internal static class TransferCommands
{
    public static Command Export() => Create("export", "Write a plugin's data (migration journal, KV, rows) to a JSON file.",
        async (services, plugin, file, output, cancellationToken) =>
        {
            var export = services.GetRequiredService<AdminExport>();
            var temporary = file + ".partial";
            await using (var stream = File.Create(temporary))
                await export.ExportAsync(plugin, stream, cancellationToken);
            File.Move(temporary, file, overwrite: true);
            await output.WriteLineAsync($"exported plugin '{plugin}' to {Path.GetFullPath(file)} ({new FileInfo(file).Length} bytes)");
        });

    public static Command Import() => Create("import", "Restore a plugin's KV and rows from an export file into a plugin with the same migrations.",
        async (services, plugin, file, output, cancellationToken) =>
        {
            var import = services.GetRequiredService<AdminImport>();
            using var document = await ReadAsync(file, cancellationToken);
            var result = await import.ImportAsync(plugin, document.RootElement, cancellationToken);
            await output.WriteLineAsync(JsonSerializer.Serialize(result, AdminJsonContext.Default.AdminImportResponse));
        });

    private static async Task<JsonDocument> ReadAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(file);
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new StorageException(StorageErrorCode.InvalidJson, $"The file '{file}' is not JSON: {ex.Message}", null, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw StorageException.InvalidField("file", $"The file '{file}' cannot be read: {ex.Message}");
        }
    }

    private static Command Create(string name, string description, Func<IServiceProvider, PluginId, string, TextWriter, CancellationToken, Task> run)
    {
        var plugin = new Option<string>("--plugin") { Description = "The plugin.", Required = true };
        var file = new Option<string>("--file") { Description = "The export file.", Required = true };
        var command = new Command(name, description) { plugin, file };
        command.TreatUnmatchedTokensAsErrors = false; // --Storage:Provider=... and friends go to configuration.
        command.SetAction(async (result, cancellationToken) =>
        {
            var error = result.InvocationConfiguration.Error;
            try
            {
                var host = StorageHostBuilder.Create([.. result.UnmatchedTokens]).Build();
                // Asynchronously: the PostgreSQL backend's pools are IAsyncDisposable only.
                await using var disposeHost = (IAsyncDisposable)host;
                await run(host.Services, PluginId.Parse(result.GetValue(plugin)), result.GetValue(file)!, result.InvocationConfiguration.Output, cancellationToken);
                return 0;
            }
            catch (StorageException ex)
            {
                await error.WriteLineAsync($"{ex.Code.WireName()}: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
