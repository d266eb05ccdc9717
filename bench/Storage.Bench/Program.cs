using Storage.Bench;
using Storage.Bench.Infrastructure;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

if (args.Length == 2 && args[0] == EchoResponder.Flag)
    return await EchoResponder.ServeAsync(args[1]);

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
if (options is null)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var work = Directory.CreateTempSubdirectory("storage-bench-").FullName;
using var nats = await BenchNatsServer.StartAsync();
using var postgres = options.Backends.Contains("postgres") ? await BenchPostgres.StartAsync() : null;
var context = new BenchContext(nats.Url, postgres?.ConnectionString, work) { Spread = options.Spread, HostArgs = options.HostArgs };
var results = new List<CellResult>();
var soaks = new List<SoakResult>();
string? manyPlugins = null;
FleetResult? fleet = null;
string? twoHosts = null;
if (options.HostArgs.Length > 0)
    Console.Error.WriteLine($"service host switches added: {string.Join(' ', options.HostArgs)}");
Console.Error.WriteLine("service host: a separate process (dotnet Storage.Host.dll); SQL rate limit for the bench plugin raised to 1,000,000/s, burst 10,000,000 (--Sql:PerPlugin:bench:...)");
try
{
    foreach (var backend in ScenarioCatalog.ServiceBackends.Where(options.Backends.Contains))
        results.AddRange(await Rounds.RunGroupAsync(context, backend, options, cancel.Token));
    if (options.SoakSeconds > 0)
    {
        foreach (var backend in ScenarioCatalog.ServiceBackends.Where(options.Backends.Contains))
        {
            var soak = await Soak.RunAsync(context, backend, options.SoakSeconds, cancel.Token);
            soaks.Add(soak);
            Console.Error.WriteLine(soak.Line());
        }
    }
    if (options.Plugins > 0)
    {
        // Its own host (own directory, open-files limit): stop the shared one first.
        await context.Hosts.DisposeAsync();
        manyPlugins = await ManyPlugins.RunAsync(context, options.Plugins, cancel.Token);
        Console.Error.WriteLine(manyPlugins);
    }
    if (options.FleetPlugins > 0)
    {
        // Its own host and server: stop the cells' host first, both would answer the same subjects.
        await context.Hosts.DisposeAsync();
        fleet = await Fleet.RunAsync(nats.Url, work, options.FleetPlugins, options.PostgresStatements, cancel.Token);
        Console.Error.WriteLine(fleet.Line());
    }
    if (options.TwoHostsPlugins > 0)
    {
        if (context.PostgresConnectionString is null)
            throw new ArgumentException("--two-hosts needs the postgres backend (--backends ...,postgres).");
        // Its own hosts: stop the cells' host first, it would answer the same subjects.
        await context.Hosts.DisposeAsync();
        twoHosts = await TwoHosts.RunAsync(context, options.TwoHostsPlugins, cancel.Token);
        Console.Error.WriteLine(twoHosts);
    }
}
finally
{
    await context.Hosts.DisposeAsync();
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

Console.WriteLine();
Console.WriteLine(Report.Table(results, options.Repeat));
Console.WriteLine("Service host: a separate process (`dotnet Storage.Host.dll`); host CPU and RSS from its /proc, load generator excluded. "
    + "SQL rate limit for the bench plugin raised to 1,000,000/s (burst 10,000,000) and Nats:MaxConcurrencyPerPlugin to 256 so neither throttles the single bench plugin."
    + (options.HostArgs.Length > 0 ? $" Switches added: {string.Join(' ', options.HostArgs)}." : ""));
Console.WriteLine();
foreach (var soak in soaks)
    Console.WriteLine(soak.Line());
if (soaks.Count > 0)
    Console.WriteLine();
if (manyPlugins is not null)
    Console.WriteLine(manyPlugins + "\n");
if (fleet is not null)
    Console.WriteLine(fleet.Report() + Environment.NewLine);
if (twoHosts is not null)
    Console.WriteLine(twoHosts + Environment.NewLine);
Console.WriteLine(Report.Targets(results, soaks));
Console.WriteLine(Report.RatioLine(results));
return 0;
