using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Storage.Core;

namespace Storage.Host.Commands;

/// <summary>
/// <c>Storage.Host backup --dir D</c>: a consistent copy of every SQLite plugin file, safe while the
/// service runs (<see cref="SqliteBackup"/>). PostgreSQL is backed up with its own tools (docs/operations.md).
/// </summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Where the copies go (one <plugin>.db per plugin).", Required = true };
        var command = new Command("backup", "Copy every SQLite plugin file consistently while the service runs.") { dir };
        command.TreatUnmatchedTokensAsErrors = false; // --Storage:Sqlite:Directory=... and friends go to configuration.
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            using var host = StorageHostBuilder.Create([.. result.UnmatchedTokens]).Build();
            var storage = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (storage.Provider != StorageProvider.Sqlite)
            {
                await error.WriteLineAsync("backup copies SQLite files; for PostgreSQL use pg_dump or the cluster's PITR (docs/operations.md, \"Backup and restore\").");
                return 2;
            }
            try
            {
                var copies = await SqliteBackup.BackupAsync(storage.Sqlite.Directory, result.GetValue(dir)!, cancellationToken);
                foreach (var copy in copies)
                    await output.WriteLineAsync($"{copy.Plugin}\t{copy.Bytes}");
                await output.WriteLineAsync($"{copies.Count} plugin file(s) copied to {Path.GetFullPath(result.GetValue(dir)!)}");
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
