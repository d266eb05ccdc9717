using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Storage.Core;

namespace Storage.Sql.Internal;

internal sealed partial class SqlRunner
{
    /// <summary>
    /// Runs on the plugin's own file with the authorizer (read-only file for reads). A
    /// <see cref="StatementDeadline"/> stops the statement at its deadline, between VM steps or
    /// inside one long function call (SQLite error 9, mapped to TIMEOUT); the connection's
    /// <c>SQLITE_LIMIT_LENGTH</c> bounds any single value (error 18, TOO_LARGE). Plugin
    /// connections are pooled per plugin and access; the pool removes the handler when it takes one back.
    /// </summary>
    private async Task<JsonElement?> RunSqliteAsync(PluginId plugin, Execution run, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenPluginAsync(plugin, run.Statement.IsWrite ? PluginAccess.Write : PluginAccess.Read, cancellationToken).ConfigureAwait(false);
        var sqlite = (SqliteConnection)connection.Connection;
        using var deadline = StatementDeadline.Start(connection, run.TimeoutMs, cancellationToken);
        // Waiting for another writer's lock does not run the progress handler: bound it by the same deadline.
        raw.sqlite3_busy_timeout(sqlite.Handle, run.TimeoutMs);
        await using (var command = SqliteCommand(run, run.Statement.Sql, sqlite))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await run.Rows.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            run.Affected = Math.Max(0, reader.RecordsAffected);
        }
        return run.Explain ? await SqlitePlanAsync(run, sqlite, cancellationToken).ConfigureAwait(false) : null;
    }

    private static async Task<JsonElement> SqlitePlanAsync(Execution run, SqliteConnection sqlite, CancellationToken cancellationToken)
    {
        await using var command = SqliteCommand(run, "EXPLAIN QUERY PLAN " + run.Statement.Sql, sqlite);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", reader.GetInt64(0));
                writer.WriteNumber("parent", reader.GetInt64(1));
                writer.WriteString("detail", reader.GetString(3));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static SqliteCommand SqliteCommand(Execution run, string sql, SqliteConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        // The progress handler enforces the deadline; this only stops waiting on another writer's lock.
        command.CommandTimeout = run.TimeoutMs / 1000 + 1;
        SqlParameters.Bind(command, run.Statement, run.Parameters, postgres: false);
        return command;
    }
}
