using System.Globalization;

namespace Storage.Core.Internal;

/// <summary>
/// Sizes the LRU of open SQLite plugin databases to the process's open-files limit (<c>ulimit -n</c>,
/// read from <c>/proc/self/limits</c> once at start). Every open plugin may hold up to
/// <see cref="FdsPerPlugin"/> handles; <see cref="Reserved"/> stay free for everything else (NATS
/// and database sockets, the runtime, logs), because a process out of handles fails in places no
/// request can catch (the runtime itself reports "Out of memory." and dies).
/// </summary>
internal static class OpenFilesLimit
{
    /// <summary>Handles kept for what is not a plugin database: 256, or half of a smaller limit.</summary>
    public static long Reserved(long limit) => Math.Min(256, limit / 2);

    /// <summary>Each connection holds the database file and its <c>-wal</c>; the file's <c>-shm</c> is shared.</summary>
    public static int FdsPerPlugin(int maxConnectionsPerPlugin) => 2 * maxConnectionsPerPlugin + 1;

    /// <summary>The soft open-files limit, or null where <c>/proc/self/limits</c> does not exist (not Linux).</summary>
    public static long? Read()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal))
                    continue;
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // Unknown: the configured maximum is used as given.
        }
        return null;
    }

    /// <summary>The largest MaxOpenPlugins that fits <paramref name="limit"/> (at least 1).</summary>
    public static int Fitting(long limit, int maxConnectionsPerPlugin) =>
        (int)Math.Clamp((limit - Reserved(limit)) / FdsPerPlugin(maxConnectionsPerPlugin), 1, int.MaxValue);
}
