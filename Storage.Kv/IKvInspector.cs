using Storage.Core;

namespace Storage.Kv;

/// <summary>
/// Read-only views of a plugin's KV data for the admin subjects: the number of live keys and every
/// live entry. Expired entries the sweeper has not removed yet are left out, as in <see cref="IKvStore"/>.
/// </summary>
public interface IKvInspector
{
    /// <summary>How many live keys the plugin has (0 when it never used KV).</summary>
    Task<long> CountAsync(PluginId plugin, CancellationToken cancellationToken);

    /// <summary>Every live entry in key order, read on one connection while enumerated.</summary>
    IAsyncEnumerable<KvExportEntry> ExportAsync(PluginId plugin, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces every KV entry of the plugin with <paramref name="entries"/> (values, revisions and expiry
    /// times exactly as given; entries already expired are left out), in one transaction, and moves the
    /// revision counter past the largest revision so later writes keep growing. Raises
    /// <see cref="StorageErrorCode.InvalidRequest"/> naming the entry for an invalid key or value.
    /// </summary>
    Task<int> ImportAsync(PluginId plugin, IReadOnlyList<KvExportEntry> entries, CancellationToken cancellationToken);
}
