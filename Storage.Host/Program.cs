using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Storage.Host;
using Storage.Host.Cli;
using Storage.Host.Commands;
using Storage.Host.Health;

// A first argument naming a command runs it; anything else (configuration switches) runs the service.
if (MigrateCommand.Matches(args))
    return await MigrateCommand.RunAsync(args, Console.Out, Console.Error);
var commands = new RootCommand("Plugin storage service. Without a command it runs the service.");
commands.Subcommands.Add(NatsConfigCommand.Create());
commands.Subcommands.Add(BackupCommand.Create());
commands.Subcommands.Add(TransferCommands.Export());
commands.Subcommands.Add(TransferCommands.Import());
if (args.Length > 0 && commands.Subcommands.Any(c => c.Name == args[0]))
    return await commands.Parse(args).InvokeAsync();

try
{
    var host = StorageHostBuilder.Create(args).Build();
    await host.RunAsync();
    return 0;
}
catch (StartupException ex)
{
    // Already logged; the one line on stderr is what an operator sees first.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}
