using System.Globalization;

namespace Storage.Bench.Infrastructure;

/// <summary>A process's CPU time and memory from <c>/proc/&lt;pid&gt;</c> (Linux): the host's numbers alone, not the load generator's.</summary>
internal static class ProcStats
{
    private static readonly double TicksPerSecond = 100; // USER_HZ is 100 on every Linux the bench targets.

    /// <summary>User + system CPU time the process used so far, in milliseconds.</summary>
    public static double CpuMilliseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may contain spaces) start past the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the state field.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks * 1000.0 / TicksPerSecond;
    }

    /// <summary>Resident memory now (<c>VmRSS</c>), in MiB.</summary>
    public static double RssMegabytes(int pid) => StatusKilobytes(pid, "VmRSS:") / 1024.0;

    /// <summary>Peak resident memory since start or the last <see cref="ResetPeak"/> (<c>VmHWM</c>), in MiB.</summary>
    public static double PeakRssMegabytes(int pid) => StatusKilobytes(pid, "VmHWM:") / 1024.0;

    /// <summary>Resets <c>VmHWM</c> to the current RSS (writing 5 to clear_refs; needs the same user or root). False when refused.</summary>
    public static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long StatusKilobytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }
}
