using System.Globalization;
using System.Text.Json;
using Npgsql;
using Storage.Core;

namespace Storage.Sql.Internal;

internal sealed partial class SqlRunner
{
    // Npgsql's own timeout is a backstop only: statement_timeout cancels first, on the server.
    private const int ClientTimeoutGraceSeconds = 5;

    /// <summary>
    /// Runs inside a transaction the service opens: READ ONLY for reads (and a read-only session),
    /// with <c>SET LOCAL statement_timeout</c> issued before the plugin's statement; reads roll back,
    /// writes commit. Positional parameters keep Npgsql from rewriting the SQL text.
    /// </summary>
    private async Task<JsonElement?> RunPostgresAsync(PluginId plugin, Execution run, CancellationToken cancellationToken)
    {
        var write = run.Statement.IsWrite;
        await using var connection = await database.OpenPluginAsync(plugin, write ? PluginAccess.Write : PluginAccess.Read, cancellationToken).ConfigureAwait(false);
        var npgsql = (NpgsqlConnection)connection.Connection;
        await using var transaction = await npgsql.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var setup = (write ? "" : "SET TRANSACTION READ ONLY; ")
            + "SET LOCAL statement_timeout = " + run.TimeoutMs.ToString(CultureInfo.InvariantCulture);
        await using (var command = new NpgsqlCommand(setup, npgsql, transaction))
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // Explain first: a truncated read cancels its statement, which ends the transaction.
        JsonElement? plan = null;
        if (run.Explain)
        {
            // ANALYZE executes the statement, so writes get the planner's estimate only.
            var explain = (write ? "EXPLAIN (FORMAT JSON) " : "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ") + run.Statement.Sql;
            await using var command = PostgresCommand(run, explain, npgsql, transaction);
            var text = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            run.Rows.Budget.Add(text?.Length ?? 0);
            using var document = JsonDocument.Parse(text ?? "null");
            plan = document.RootElement.Clone();
        }

        await using (var command = PostgresCommand(run, run.Statement.Sql, npgsql, transaction))
        {
            // Sequential access: a row is not buffered whole, so each value's size is known before it is read.
            var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            var stopped = false;
            try
            {
                await run.Rows.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
                if (!run.Rows.Truncated)
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                run.Affected = Math.Max(0, reader.RecordsAffected);
                // A cut read stops on the server rather than streaming the rest to be discarded;
                // a write always runs to the end, so it commits whole.
                stopped = run.Rows.Truncated && !write;
                if (stopped)
                    command.Cancel();
            }
            catch (StorageException)
            {
                // TOO_LARGE (or a value that cannot be JSON): nothing is committed, and the rest of a
                // 300 MB value must not stream in just to be skipped.
                stopped = true;
                command.Cancel();
                throw;
            }
            finally
            {
                await DisposeReaderAsync(reader, canceled: stopped).ConfigureAwait(false);
            }
        }

        if (write)
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        else
            await RollbackAsync(transaction, canceled: run.Rows.Truncated).ConfigureAwait(false);
        return plan;
    }

    private static async Task RollbackAsync(NpgsqlTransaction transaction, bool canceled)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (canceled && ex.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            // A cancel that arrived after the statement had ended; nothing was written either way.
        }
    }

    private static async Task DisposeReaderAsync(NpgsqlDataReader reader, bool canceled)
    {
        try
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException) when (canceled)
        {
            // The cancellation asked for above (or a slow drain of the value being skipped timing
            // out): the error that stopped the read is the one to report; a broken connection is
            // discarded by the pool.
        }
    }

    private static NpgsqlCommand PostgresCommand(Execution run, string sql, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var command = new NpgsqlCommand(sql, connection, transaction)
        {
            CommandTimeout = run.TimeoutMs / 1000 + ClientTimeoutGraceSeconds,
        };
        SqlParameters.Bind(command, run.Statement, run.Parameters, postgres: true);
        // Without parameters Npgsql would parse the text itself and split it at semicolons; one
        // unnamed (unused) parameter puts it in raw mode, so the guard's reading of the text is the only one.
        if (command.Parameters.Count == 0)
            command.Parameters.Add(new NpgsqlParameter { Value = 0, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        return command;
    }
}
