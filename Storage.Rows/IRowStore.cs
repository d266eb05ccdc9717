using System.Buffers;
using Storage.Core;

namespace Storage.Rows;

/// <summary>
/// The row tier: structured CRUD on the plugin's own tables, whose names and columns are matched
/// against the plugin's catalog. Every method raises <see cref="StorageErrorCode.NotFound"/> for an
/// unknown table, <see cref="StorageErrorCode.InvalidRequest"/> for an unknown column or operator,
/// a value of the wrong type or a limit out of range, and <see cref="StorageErrorCode.Unavailable"/>
/// when the database is down.
/// </summary>
public interface IRowStore
{
    /// <summary>Inserts one row or a batch (atomically); CONFLICT on a unique violation, INVALID_REQUEST for a missing NOT NULL column.</summary>
    Task<RowInsertResponse> InsertAsync(PluginId plugin, RowInsertRequest request, CancellationToken cancellationToken);

    /// <summary>Reads rows by id, by ids, or by filters (optionally <c>random</c> n of them).</summary>
    Task<RowSelectResponse> SelectAsync(PluginId plugin, RowSelectRequest request, CancellationToken cancellationToken);

    /// <summary>Filters, sorts and pages rows; <c>next</c> continues after the last row returned.</summary>
    Task<RowSearchResponse> SearchAsync(PluginId plugin, RowSearchRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Searches like <see cref="SearchAsync"/> and writes the reply's JSON to <paramref name="reply"/>, byte for byte
    /// what serializing its <see cref="RowSearchResponse"/> with <see cref="RowsJsonContext"/> gives; rows go from the
    /// database reader to <paramref name="reply"/> without becoming objects. For hosts that send replies.
    /// </summary>
    Task WriteSearchAsync(PluginId plugin, RowSearchRequest request, IBufferWriter<byte> reply, CancellationToken cancellationToken);

    /// <summary>Updates matching rows in one atomic statement, optionally inserting when nothing matches (upsert).</summary>
    Task<RowUpdateResponse> UpdateAsync(PluginId plugin, RowUpdateRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes matching rows; empty filters need <c>all: true</c>.</summary>
    Task<RowDeleteResponse> DeleteAsync(PluginId plugin, RowDeleteRequest request, CancellationToken cancellationToken);

    /// <summary>The plugin's tables (or one, NOT_FOUND when unknown) with columns, portable types, defaults and indexes.</summary>
    Task<RowDescribeResponse> DescribeAsync(PluginId plugin, RowDescribeRequest request, CancellationToken cancellationToken);
}
