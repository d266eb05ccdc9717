using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows;

/// <summary>
/// Read-only views of a plugin's tables for the admin subjects, through the row tier's catalog (the
/// service's <c>_storage_</c> tables are not among them) and its row serialization.
/// </summary>
public interface IRowInspector
{
    /// <summary>The plugin's tables by name (ordinal order) with an exact <c>COUNT(*)</c> of each.</summary>
    Task<IReadOnlyList<RowTableSummary>> ListTablesAsync(PluginId plugin, CancellationToken cancellationToken);

    /// <summary>Every row of one table as JSON objects typed as in <c>db.row</c> replies, by id when the table has one.</summary>
    IAsyncEnumerable<JsonObject> ReadTableAsync(PluginId plugin, string table, CancellationToken cancellationToken);
}
