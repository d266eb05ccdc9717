using System.Diagnostics;

namespace Storage.Tests.Infrastructure;

internal static class ProcessRunner
{
    public static string? FindExecutable(string name, params string[] extraDirectories)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':').Concat(extraDirectories).Concat(["/usr/sbin", "/usr/local/bin", "/usr/bin"]))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Runs a command to completion; as root, PostgreSQL tools run as the postgres user.</summary>
    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> arguments, bool asPostgresUser = false, int timeoutMs = 60_000)
    {
        var info = new ProcessStartInfo
        {
            FileName = asPostgresUser && IsRoot ? "runuser" : fileName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        if (asPostgresUser && IsRoot)
        {
            foreach (var a in new[] { "-u", "postgres", "--", fileName })
                info.ArgumentList.Add(a);
        }
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {timeoutMs} ms.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
