using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Migrations;

namespace Storage.Host.Commands;

/// <summary>
/// <c>Storage.Host migrate --plugin quote-db --dir ./migrations [--rollback [--to V | --steps N]] [--status] [--dry-run]</c>:
/// the migrations tier without NATS, configured from the same sources as the service
/// (appsettings, environment, and <c>--Section:Key=value</c> arguments).
/// </summary>
internal static class MigrateCommand
{
    public const string Name = "migrate";

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == Name;

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var plugin = new Option<string>("--plugin") { Description = "The plugin whose storage to migrate.", Required = true };
        var dir = new Option<string?>("--dir") { Description = "Folder of NNN_name.up.sql / NNN_name.down.sql files (needed to apply)." };
        var rollback = new Option<bool>("--rollback") { Description = "Roll back instead of applying (one step unless --to or --steps)." };
        var to = new Option<string?>("--to") { Description = "With --rollback: the version to keep; everything applied after it is rolled back." };
        var steps = new Option<int?>("--steps") { Description = "With --rollback: how many migrations to roll back." };
        var status = new Option<bool>("--status") { Description = "Print the applied migrations." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Apply, report, and roll back." };
        var command = new Command(Name, "Apply, roll back or list a plugin's migrations without NATS.")
        {
            plugin, dir, rollback, to, steps, status, dryRun,
        };
        command.TreatUnmatchedTokensAsErrors = false; // --Storage:Provider=... and friends go to configuration.
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                using var host = StorageHostBuilder.Create([.. result.UnmatchedTokens]).Build();
                var migrator = host.Services.GetRequiredService<IMigrator>();
                var id = PluginId.Parse(result.GetValue(plugin));
                var json = MigrationsJsonContext.Default;
                string reply;
                if (result.GetValue(status))
                    reply = JsonSerializer.Serialize(await migrator.StatusAsync(id, cancellationToken), json.MigrationStatusResponse);
                else if (result.GetValue(rollback))
                    reply = JsonSerializer.Serialize(await migrator.RollbackAsync(id, new MigrationRollbackRequest(result.GetValue(to), result.GetValue(steps)), cancellationToken), json.MigrationRollbackResponse);
                else
                {
                    var folder = result.GetValue(dir) ?? throw StorageException.InvalidField("dir", "Option --dir is required to apply migrations.");
                    var request = new MigrationApplyRequest(MigrationFolder.Load(folder), result.GetValue(dryRun) ? true : null);
                    reply = JsonSerializer.Serialize(await migrator.ApplyAsync(id, request, cancellationToken), json.MigrationApplyResponse);
                }
                await output.WriteLineAsync(reply);
                return 0;
            }
            catch (StorageException ex)
            {
                await error.WriteLineAsync($"{ex.Code.WireName()}: {ex.Message}");
                return 1;
            }
        });
        var root = new RootCommand("Plugin storage service.") { command };
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}
