using System.Text.RegularExpressions;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Examples;

/// <summary>
/// The JavaScript reference plugins (<c>examples/js</c>, plain npm <c>nats</c> client) run their own
/// <c>node --test</c> suite against a real host on each backend, each connected as its own NATS user
/// with the generated permissions, so the examples are as tested as the service: one breaks, this fails.
/// </summary>
[TestClass]
public sealed partial class JsExampleTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_javascript_examples_pass_their_tests_against_a_real_host(string backend)
    {
        var directory = Path.Combine(ExampleProcess.ExamplesDirectory(), "js");
        var node = ProcessRunner.FindExecutable("node")
            ?? throw new AssertFailedException("node is not installed: apt-get install -y nodejs npm, then `npm ci` in examples/js (scripts/test.sh does both).");
        Assert.IsTrue(Directory.Exists(Path.Combine(directory, "node_modules", "nats")),
            $"{directory} has no node_modules/nats: run `npm ci` there (scripts/test.sh does).");
        var quoteDb = TestPlugins.New("quote-db").Value;
        var trivia = TestPlugins.New("trivia").Value;
        await using var host = await PluginUsersHost.StartAsync(backend, [quoteDb, trivia]);

        var (exitCode, output) = await ExampleProcess.RunAsync(node, ["--test"], directory, new Dictionary<string, string>
        {
            ["NATS_URL"] = host.Server.Url,
            ["QUOTE_DB_PLUGIN"] = quoteDb,
            ["QUOTE_DB_PASSWORD"] = host.Passwords[quoteDb],
            ["TRIVIA_PLUGIN"] = trivia,
            ["TRIVIA_PASSWORD"] = host.Passwords[trivia],
        });

        Assert.AreEqual(0, exitCode, $"node --test in examples/js failed on {backend}:\n{output}");
        var passed = PassLine().Match(output);
        Assert.IsTrue(passed.Success, $"node --test printed no '# pass N' line:\n{output}");
        // Guards against a runner that found no test files: the three files hold 24 tests.
        Assert.IsGreaterThanOrEqualTo(20, int.Parse(passed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), output);
        Assert.Contains("# fail 0", output);
    }

    [GeneratedRegex(@"^# pass (\d+)$", RegexOptions.Multiline)]
    private static partial Regex PassLine();
}
