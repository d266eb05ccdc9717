using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>
/// <c>db.sql.&lt;plugin&gt;.query</c> request. <see cref="CacheMs"/> opts a read-only query into the
/// host's result cache: the same query (text, params, max_rows) is answered from it for up to that
/// many milliseconds, until the plugin writes through this host (see docs/sql.md, "Result cache").
/// </summary>
public sealed record SqlQueryRequest(
    string? Query,
    Dictionary<string, JsonElement>? Params = null,
    bool? AllowWrite = null,
    int? TimeoutMs = null,
    int? MaxRows = null,
    bool? Explain = null,
    int? CacheMs = null);

/// <summary>
/// <c>query</c> reply. <see cref="Rows"/> is a JSON array of objects keyed by column name;
/// <see cref="RowCount"/> is the number of rows returned, or for a write without RETURNING the
/// number of rows it changed. <see cref="Cached"/> is true (and <see cref="ElapsedMs"/> 0) when the
/// reply came from the result cache (<c>cache_ms</c>), absent otherwise.
/// </summary>
public sealed record SqlQueryResponse(
    IReadOnlyList<string> Columns,
    JsonElement Rows,
    int RowCount,
    bool Truncated,
    double ElapsedMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Plan = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Cached = null);

/// <summary><c>db.sql.&lt;plugin&gt;.stats</c> request (no fields).</summary>
public sealed record SqlStatsRequest;

/// <summary><c>stats</c> reply: one entry per query fingerprint, slowest total time first.</summary>
public sealed record SqlStatsResponse(IReadOnlyList<SqlFingerprintStats> Queries);

/// <summary>Statistics of one query shape (literals and parameters stripped) since the service started.</summary>
public sealed record SqlFingerprintStats(
    string Fingerprint,
    long Count,
    long Errors,
    long RowsReturned,
    double TotalMs,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs);
