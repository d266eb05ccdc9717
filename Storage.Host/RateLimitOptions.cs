namespace Storage.Host;

/// <summary>
/// Per-plugin request rates by tier, bound from the <c>RateLimits</c> section and applied by the
/// dispatcher before the tier runs. A tier left unset is not limited here; the SQL tier keeps its
/// own limiter (<c>Sql:PermitsPerSecond</c>, <c>Sql:Burst</c>), which also holds when it is embedded.
/// </summary>
internal sealed class RateLimitOptions
{
    /// <summary>Limit on <c>db.kv.&lt;plugin&gt;.*</c>.</summary>
    public TierRateLimit? Kv { get; set; }

    /// <summary>Limit on <c>db.row.&lt;plugin&gt;.*</c>.</summary>
    public TierRateLimit? Rows { get; set; }

    /// <summary>Limit on <c>db.migrate.&lt;plugin&gt;</c>.</summary>
    public TierRateLimit? Migrations { get; set; }

    /// <summary>Whether every configured limit is in range.</summary>
    public bool IsValid() => new[] { Kv, Rows, Migrations }.All(l => l is null || l.IsValid());
}
