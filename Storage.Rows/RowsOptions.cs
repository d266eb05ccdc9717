using System.ComponentModel.DataAnnotations;

namespace Storage.Rows;

/// <summary>Row tier settings, bound from the <c>Rows</c> configuration section.</summary>
public sealed class RowsOptions
{
    /// <summary>
    /// Largest serialized <c>rows</c>/<c>row</c> of one select or search reply, in bytes (default 4 MiB);
    /// the NATS server's <c>max_payload</c> caps it further. More is TOO_LARGE, found while reading.
    /// </summary>
    [Range(1024, 512 * 1024 * 1024)]
    public int MaxResultBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long one row request's statements may run, in milliseconds (default 5000); past it the
    /// request is TIMEOUT. On PostgreSQL it is rounded up to whole seconds.
    /// </summary>
    [Range(100, 600_000)]
    public int StatementTimeoutMs { get; set; } = 5000;

    /// <summary>
    /// Columns (plus one per table) the cached table catalogs of all plugins hold together (default
    /// 200,000): a plugin with a huge schema cannot fill the host's memory; the catalogs cached longest
    /// are read again when next needed, and one larger than this alone is read for every request.
    /// </summary>
    [Range(100, 100_000_000)]
    public int MaxCachedColumns { get; set; } = 200_000;
}
