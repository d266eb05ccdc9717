using Microsoft.Extensions.Hosting;
using Storage.Host;
using Storage.Host.Commands;

// Commands (migrate, nats-config) are added by their tiers; with none, the service runs.
if (MigrateCommand.Matches(args))
{
    Environment.ExitCode = await MigrateCommand.RunAsync(args, Console.Out, Console.Error);
    return;
}
var host = StorageHostBuilder.Create(args).Build();
await host.RunAsync();
