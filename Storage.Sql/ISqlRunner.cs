using System.Buffers;
using Storage.Core;

namespace Storage.Sql;

/// <summary>
/// The SQL tier: one parameterized statement per request, run with the plugin's own privileges,
/// under a statement guard, time/row/byte limits, a per-plugin rate limit and profiling.
/// </summary>
public interface ISqlRunner
{
    /// <summary>
    /// Runs one statement. Raises INVALID_REQUEST (bad field, missing parameter, SQL error),
    /// FORBIDDEN (refused statement or name), TIMEOUT, TOO_LARGE (query text or result bytes),
    /// RATE_LIMITED (with <c>retry_after_ms</c>), NOT_FOUND (unknown table), CONFLICT, UNAVAILABLE.
    /// </summary>
    Task<SqlQueryResponse> QueryAsync(PluginId plugin, SqlQueryRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Runs one statement like <see cref="QueryAsync"/> and writes the reply's JSON to <paramref name="reply"/>, byte
    /// for byte what serializing its <see cref="SqlQueryResponse"/> with <see cref="SqlJsonContext"/> gives; the rows
    /// are written once, as the reply carries them, never parsed again. Same errors as <see cref="QueryAsync"/>.
    /// </summary>
    Task WriteQueryAsync(PluginId plugin, SqlQueryRequest request, IBufferWriter<byte> reply, CancellationToken cancellationToken);

    /// <summary>The plugin's per-fingerprint query statistics kept in memory since start.</summary>
    SqlStatsResponse Stats(PluginId plugin);
}
