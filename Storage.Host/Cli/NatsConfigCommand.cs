using System.CommandLine;

namespace Storage.Host.Cli;

/// <summary><c>nats-config --plugin a --plugin b [--admin name] [--service-user name]</c>: prints a nats-server authorization block.</summary>
internal static class NatsConfigCommand
{
    public static Command Create()
    {
        var plugins = new Option<string[]>("--plugin") { Description = "A plugin id to create a user for (repeatable).", Arity = ArgumentArity.ZeroOrMore };
        var admin = new Option<string?>("--admin") { Description = "Also create an admin user with this name (db.admin.> and $SRV.>)." };
        var service = new Option<string>("--service-user")
        {
            Description = "The user name the storage service connects as.",
            DefaultValueFactory = _ => NatsConfig.DefaultServiceUser,
        };
        var command = new Command("nats-config", "Print a nats-server authorization block that isolates each plugin's subjects.")
        {
            plugins, admin, service,
        };
        command.SetAction(parse =>
        {
            try
            {
                var text = NatsConfig.Render(parse.GetValue(plugins) ?? [], parse.GetValue(admin), parse.GetValue(service)!, NatsConfig.NewPassword);
                parse.InvocationConfiguration.Output.Write(text);
                return 0;
            }
            catch (ArgumentException ex)
            {
                parse.InvocationConfiguration.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return command;
    }
}
