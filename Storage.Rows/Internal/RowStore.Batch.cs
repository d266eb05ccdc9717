using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

internal sealed partial class RowStore
{
    /// <summary>
    /// Inserts rows in order, inside the caller's transaction, returning their ids in the same order.
    /// On PostgreSQL the statements travel as one batch (one round trip for up to 1,000 rows): each row
    /// stays its own <c>INSERT ... RETURNING</c>, so it keeps its own column list and defaults, and the
    /// statement that fails names its row. COPY would be one statement but returns no ids.
    /// SQLite runs in process: a statement per row costs no round trip.
    /// </summary>
    internal static async Task<List<JsonNode?>> InsertRowsAsync(PluginConnection connection, DbTransaction transaction, TableInfo table,
        IReadOnlyList<(string Path, List<(string Name, JsonElement Value, string Path)> Fields)> rows, CancellationToken cancellationToken)
    {
        var ids = new List<JsonNode?>(rows.Count);
        await using var batch = connection.CreateBatch(transaction);
        if (batch is null)
        {
            foreach (var row in rows)
            {
                try
                {
                    ids.Add(await InsertRowAsync(connection, transaction, table, row.Path, row.Fields, cancellationToken).ConfigureAwait(false));
                }
                catch (DbException ex) when (ProviderErrors.Translate(ex) is { } translated)
                {
                    throw RowFailed(translated, row.Path, ex);
                }
            }
            return ids;
        }
        // Every row is checked before anything is sent.
        foreach (var row in rows)
            InsertSql(connection, table, row.Path, row.Fields).AddTo(batch);
        // Npgsql raises a statement's error while the reader moves to that statement's result.
        var current = 0;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < rows.Count; i++)
            {
                current = i;
                if (i > 0)
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                if (table.Key is null)
                    ids.Add(null);
                else
                    ids.Add(await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && !reader.IsDBNull(0)
                        ? RowReader.ToJson(connection.Provider, table.Key, reader.GetValue(0))
                        : null);
            }
        }
        catch (DbException ex) when (ProviderErrors.Translate(ex) is { } translated)
        {
            var index = ex.BatchCommand is { } failed ? batch.BatchCommands.IndexOf(failed) : current;
            throw RowFailed(translated, rows[index < 0 ? current : index].Path, ex);
        }
        return ids;
    }

    /// <summary>A database error of one row of a batch, naming that row in the message and in <c>details.field</c>.</summary>
    internal static StorageException RowFailed(StorageException translated, string path, Exception inner) =>
        new(translated.Code, $"Row '{path}': {translated.Message}",
            new Dictionary<string, object?>(translated.Details) { ["field"] = path }, inner);
}
