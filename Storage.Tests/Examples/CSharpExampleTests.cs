using System.Text.RegularExpressions;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Examples;

/// <summary>
/// The C# reference plugins' own test projects (<c>examples/QuoteDb.Tests</c>, <c>examples/Trivia.Tests</c>,
/// built with this assembly) run on the in-process twin, as a plugin author runs them, and against a
/// real host on each backend over NATS as their generated plugin users. One breaks, this fails.
/// </summary>
[TestClass]
[DoNotParallelize] // Each run is a test host of its own (and a NATS host): three at once starve a 2-core machine.
public sealed partial class CSharpExampleTests
{
    private const string Twin = "in-process";

    // Each example's test count, so a run that finds fewer tests (a filter, a broken discovery) fails too.
    private static readonly Dictionary<string, int> Examples = new(StringComparer.Ordinal)
    {
        ["QuoteDb.Tests"] = 9,
        ["Trivia.Tests"] = 8,
    };

    [TestMethod]
    [DataRow(Twin)]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_csharp_examples_pass_their_tests(string target)
    {
        var dlls = Examples.Keys.Select(TestAssembly).ToList();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["NATS_URL"] = "" };
        await using var host = target == Twin ? null : await StartHostAsync(target, environment);

        var (exitCode, output) = await ExampleProcess.RunAsync("dotnet", ["test", .. dlls],
            ExampleProcess.ExamplesDirectory(), environment);

        Assert.AreEqual(0, exitCode, $"The C# examples' tests failed on {target}:\n{output}");
        foreach (var (name, count) in Examples)
        {
            var summary = Regex.Match(output, $@"Passed!\s+-\s+Failed:\s+0, Passed:\s+(\d+),.*{Regex.Escape(name)}\.dll");
            Assert.IsTrue(summary.Success, $"No passing summary for {name} on {target}:\n{output}");
            Assert.AreEqual(count, int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), $"{name} ran another number of tests:\n{output}");
        }
    }

    private static async Task<PluginUsersHost> StartHostAsync(string backend, Dictionary<string, string> environment)
    {
        var quoteDb = TestPlugins.New("quote-db").Value;
        var trivia = TestPlugins.New("trivia").Value;
        var host = await PluginUsersHost.StartAsync(backend, [quoteDb, trivia]);
        environment["NATS_URL"] = host.Server.Url;
        environment["QUOTE_DB_PLUGIN"] = quoteDb;
        environment["QUOTE_DB_PASSWORD"] = host.Passwords[quoteDb];
        environment["TRIVIA_PLUGIN"] = trivia;
        environment["TRIVIA_PASSWORD"] = host.Passwords[trivia];
        return host;
    }

    // Built by Storage.Tests' build (project references without the assembly), in its configuration.
    private static string TestAssembly(string project)
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = framework.Parent!.Name;
        var dll = Path.Combine(ExampleProcess.ExamplesDirectory(), project, "bin", configuration, framework.Name, project + ".dll");
        Assert.IsTrue(File.Exists(dll), $"{dll} is missing: build Storage.Tests (it builds the examples) or `dotnet build examples/{project}`.");
        return dll;
    }
}
