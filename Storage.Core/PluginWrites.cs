using System.Runtime.CompilerServices;

namespace Storage.Core;

/// <summary>
/// A version number per plugin that moves on every write through this process (row writes, SQL
/// writes) and every schema change or purge (as an <see cref="IPluginSchemaObserver"/>, so also
/// those announced by other hosts). A cache of a plugin's reads stores the version seen before the
/// read and serves the entry only while it is unchanged. Versions live in a fixed table of
/// <see cref="Stripes"/> counters shared by hash, so memory does not grow with plugins; a write may
/// therefore also retire another plugin's entries (never serve a stale one).
/// </summary>
public sealed class PluginWrites : IPluginSchemaObserver
{
    /// <summary>Counters in the table.</summary>
    public const int Stripes = 4096;

    private readonly long[] _versions = new long[Stripes];

    /// <summary>The plugin's version now; read it before reading data that may be cached.</summary>
    public long Version(PluginId plugin) => Volatile.Read(ref _versions[Stripe(plugin)]);

    /// <summary>Called after a write of the plugin finished (committed or not): entries read before it are stale.</summary>
    public void Written(PluginId plugin) => Interlocked.Increment(ref _versions[Stripe(plugin)]);

    void IPluginSchemaObserver.SchemaChanged(PluginId plugin) => Written(plugin);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Stripe(PluginId plugin) => (int)((uint)StringComparer.Ordinal.GetHashCode(plugin.Value) % Stripes);
}
