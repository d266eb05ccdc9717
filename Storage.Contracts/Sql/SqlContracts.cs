using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary><c>db.sql.&lt;plugin&gt;.query</c> request.</summary>
public sealed record SqlQueryRequest(
    string? Query,
    Dictionary<string, JsonElement>? Params = null,
    bool? AllowWrite = null,
    int? TimeoutMs = null,
    int? MaxRows = null,
    bool? Explain = null);

/// <summary>
/// <c>query</c> reply. <see cref="Rows"/> is a JSON array of objects keyed by column name;
/// <see cref="RowCount"/> is the number of rows returned, or for a write without RETURNING the
/// number of rows it changed.
/// </summary>
public sealed record SqlQueryResponse(
    IReadOnlyList<string> Columns,
    JsonElement Rows,
    int RowCount,
    bool Truncated,
    double ElapsedMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Plan = null);

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
