using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Storage.Core.Internal;

/// <summary>
/// What one connection on a plugin file costs in memory, cut where it does not buy speed. With
/// hundreds of plugins open (docs/performance.md, "1,000 plugins round-robin") the per-connection
/// fixed costs are what the host's RSS is made of. Measured with <c>sqlite3_memory_used</c> over 300
/// connections that each read one KV entry and one row: 150 KiB per connection with SQLite's
/// defaults, of which 47 KiB is the lookaside (small-allocation slots allocated whole at open) and
/// 88 KiB the page cache's first bulk allocation (20 pages, made at the first read whatever
/// <c>cache_size</c> says, and kept until the connection closes); 43 KiB with both cut.
/// </summary>
internal static class SqliteConnectionMemory
{
    public const int LookasideSlotBytes = 128;
    public const int LookasideSlots = 64;

    private const int SqliteConfigPageCache = 7; // SQLITE_CONFIG_PAGECACHE
    private static readonly Lazy<int> PageCacheConfigured = new(ConfigurePageCache);

    /// <summary>
    /// SQLite's answer to turning the page cache's bulk allocation off (0: done), once per process.
    /// It is a process-wide setting SQLite takes only before its first connection; later it answers
    /// SQLITE_MISUSE (21) and the bulk stays, which costs memory only. Pages are then allocated one
    /// by one as a connection reads them, up to its <c>cache_size</c> as before.
    /// </summary>
    public static int PageCacheResult => PageCacheConfigured.Value;

    /// <summary>
    /// The process's soft heap limit (<c>Storage:Sqlite:CacheLimitMiB</c>): the page caches of every open
    /// plugin together stay near it, since SQLite recycles cached pages before allocating past it.
    /// </summary>
    public static void LimitCaches(int mebibytes)
    {
        Batteries_V2.Init();
        raw.sqlite3_soft_heap_limit64(mebibytes * 1024L * 1024L);
    }

    /// <summary>Right after open, before any statement: SQLite changes the lookaside only while none of it is in use.</summary>
    public static void Shrink(SqliteConnection connection)
    {
        var rc = raw.sqlite3_db_config(connection.Handle, raw.SQLITE_DBCONFIG_LOOKASIDE, IntPtr.Zero, LookasideSlotBytes, LookasideSlots);
        if (rc != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    // sqlite3_config is variadic and SQLitePCLRaw binds only its one- and two-argument forms. On
    // Linux (x64, arm64) and Windows x64 integer variadic arguments travel exactly as fixed ones, so
    // a fixed four-argument import is the same call; elsewhere (Apple arm64 passes them on the
    // stack) it is not made.
    private static int ConfigurePageCache()
    {
        if (!(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
            && !(OperatingSystem.IsWindows() && RuntimeInformation.ProcessArchitecture == Architecture.X64))
            return raw.SQLITE_MISUSE;
        Batteries_V2.Init();
        try
        {
            return ConfigPageCache(SqliteConfigPageCache, IntPtr.Zero, 0, 0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return raw.SQLITE_MISUSE;
        }
    }

    // A blittable signature: DllImport needs no marshalling code here, and LibraryImport would need unsafe code enabled.
    [DllImport("e_sqlite3", EntryPoint = "sqlite3_config")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories)]
    private static extern int ConfigPageCache(int op, IntPtr buffer, int pageBytes, int pages);
}
