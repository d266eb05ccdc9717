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

    /// <summary>
    /// Replaces the rows of each named table with the given rows (objects as <see cref="ReadTableAsync"/>
    /// returns them; generated columns are skipped), all tables in one transaction on a plugin write
    /// connection, and on PostgreSQL moves each serial column's sequence past the largest value.
    /// Returns the rows written per table. NOT_FOUND for a table the plugin lacks; INVALID_REQUEST
    /// naming <c>tables.&lt;name&gt;[i].&lt;column&gt;</c> for a value the column cannot take.
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> ImportAsync(PluginId plugin, IReadOnlyList<KeyValuePair<string, IReadOnlyList<System.Text.Json.JsonElement>>> tables,
        CancellationToken cancellationToken);
}
