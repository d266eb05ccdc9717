using System.ComponentModel.DataAnnotations;

namespace Storage.Admin;

/// <summary>Limits of the admin subjects, bound from the <c>Admin</c> configuration section.</summary>
public sealed class AdminOptions
{
    /// <summary>
    /// The largest <c>db.admin.export</c> reply, in bytes; a larger export is refused with TOO_LARGE.
    /// The NATS server's <c>max_payload</c> caps it further.
    /// </summary>
    [Range(1024, 1L << 30)]
    public long ExportMaxBytes { get; set; } = 16L * 1024 * 1024;
}
