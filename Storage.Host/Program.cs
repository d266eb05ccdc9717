using Microsoft.Extensions.Hosting;
using Storage.Host;

// Commands (migrate, nats-config) are added by their tiers; with none, the service runs.
var host = StorageHostBuilder.Create(args).Build();
await host.RunAsync();
