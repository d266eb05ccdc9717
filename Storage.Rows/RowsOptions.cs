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
}
