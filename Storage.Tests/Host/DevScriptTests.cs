using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>scripts/dev.sh parses and explains itself without building or starting anything.</summary>
[TestClass]
public sealed class DevScriptTests
{
    private static string Script()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Storage.sln")))
            directory = directory.Parent;
        Assert.IsNotNull(directory, "the repository root (Storage.sln) is above the test assembly");
        return Path.Combine(directory.FullName, "scripts", "dev.sh");
    }

    [TestMethod]
    public void Dev_script_is_valid_bash_and_help_names_postgres_and_how_to_stop()
    {
        var (syntax, syntaxOutput) = ProcessRunner.Run("bash", ["-n", Script()]);
        Assert.AreEqual(0, syntax, syntaxOutput);

        var (help, output) = ProcessRunner.Run("bash", [Script(), "--help"]);

        Assert.AreEqual(0, help, output);
        Assert.Contains("--postgres", output);
        Assert.Contains("Ctrl-C stops the host first", output);
    }
}
