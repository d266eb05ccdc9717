using Microsoft.Data.Sqlite;
using Npgsql;

namespace Storage.Core;

/// <summary>
/// The single place where database errors become <see cref="StorageException"/>s with contract
/// codes: unique violation -> CONFLICT, canceled statement -> TIMEOUT, connection failure ->
/// UNAVAILABLE, and so on.
/// </summary>
public static class ProviderErrors
{
    /// <summary>Translates a provider exception, or returns null when it is not a database error.</summary>
    public static StorageException? Translate(Exception exception) => exception switch
    {
        StorageException storage => storage,
        PostgresException pg => FromPostgres(pg),
        NpgsqlException npgsql when npgsql.InnerException is TimeoutException =>
            new StorageException(StorageErrorCode.Timeout, "The database did not answer in time.", null, npgsql),
        NpgsqlException npgsql => new StorageException(StorageErrorCode.Unavailable, "The database is unavailable; retry later.", null, npgsql),
        SqliteException sqlite => FromSqlite(sqlite),
        TimeoutException timeout => new StorageException(StorageErrorCode.Timeout, "The database did not answer in time.", null, timeout),
        _ => null,
    };

    /// <summary>The database's own words for a provider error (for replies that must quote them), else the exception's message.</summary>
    public static string DatabaseMessage(Exception exception) => exception switch
    {
        PostgresException pg => pg.MessageText,
        SqliteException sqlite => SqliteMessage(sqlite),
        _ => exception.Message,
    };

    /// <summary>Runs <paramref name="action"/> and translates any database error it raises.</summary>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not StorageException && Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    private static StorageException FromPostgres(PostgresException e)
    {
        var (code, message) = e.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation => (StorageErrorCode.Conflict, $"Unique violation: {e.MessageText}."),
            PostgresErrorCodes.ForeignKeyViolation => (StorageErrorCode.Conflict, $"Foreign key violation: {e.MessageText}."),
            PostgresErrorCodes.ExclusionViolation => (StorageErrorCode.Conflict, $"Exclusion violation: {e.MessageText}."),
            PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected =>
                (StorageErrorCode.Conflict, "The operation conflicted with a concurrent one; retry it."),
            PostgresErrorCodes.NotNullViolation => (StorageErrorCode.InvalidRequest, $"Column '{e.ColumnName}' must not be null."),
            PostgresErrorCodes.CheckViolation => (StorageErrorCode.InvalidRequest, $"Check constraint failed: {e.MessageText}."),
            PostgresErrorCodes.QueryCanceled => (StorageErrorCode.Timeout, "The statement ran past its time limit and was canceled."),
            PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction =>
                (StorageErrorCode.Forbidden, $"Not allowed: {e.MessageText}."),
            PostgresErrorCodes.UndefinedTable => (StorageErrorCode.NotFound, $"{e.MessageText}."),
            PostgresErrorCodes.ProgramLimitExceeded => (StorageErrorCode.TooLarge, $"{e.MessageText}."),
            _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) || e.SqlState.StartsWith("57P", StringComparison.Ordinal)
                || e.SqlState.StartsWith("53", StringComparison.Ordinal) =>
                (StorageErrorCode.Unavailable, "The database is unavailable; retry later."),
            // Data exceptions (22), syntax and access rule violations (42): the request's fault.
            _ when e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("42", StringComparison.Ordinal) =>
                (StorageErrorCode.InvalidRequest, $"{e.MessageText}."),
            _ => (StorageErrorCode.Internal, "The database reported an unexpected error."),
        };
        return new StorageException(code, message, new Dictionary<string, object?> { ["sqlstate"] = e.SqlState }, e);
    }

    private static StorageException FromSqlite(SqliteException e)
    {
        // Extended result codes: https://sqlite.org/rescode.html
        var (code, message) = e.SqliteExtendedErrorCode switch
        {
            2067 or 1555 => (StorageErrorCode.Conflict, $"Unique violation: {SqliteMessage(e)}."),
            787 => (StorageErrorCode.Conflict, $"Foreign key violation: {SqliteMessage(e)}."),
            1299 => (StorageErrorCode.InvalidRequest, $"Not null violation: {SqliteMessage(e)}."),
            275 => (StorageErrorCode.InvalidRequest, $"Check constraint failed: {SqliteMessage(e)}."),
            _ => e.SqliteErrorCode switch
            {
                9 => (StorageErrorCode.Timeout, "The statement ran past its time limit and was interrupted."),
                23 => (StorageErrorCode.Forbidden, $"Not allowed: {SqliteMessage(e)}."),
                8 => (StorageErrorCode.Forbidden, $"Not allowed: {SqliteMessage(e)}."),
                18 => (StorageErrorCode.TooLarge, $"{SqliteMessage(e)}: a string, blob or row over Storage:Sqlite:MaxValueBytes."),
                5 or 6 => (StorageErrorCode.Unavailable, "The database is busy; retry later."),
                10 or 13 or 14 or 26 => (StorageErrorCode.Unavailable, "The database is unavailable; retry later."),
                19 => (StorageErrorCode.InvalidRequest, $"Constraint failed: {SqliteMessage(e)}."),
                1 when SqliteMessage(e).StartsWith("no such table", StringComparison.Ordinal) => (StorageErrorCode.NotFound, $"{SqliteMessage(e)}."),
                1 when SqliteMessage(e).StartsWith("not authorized", StringComparison.Ordinal) => (StorageErrorCode.Forbidden, $"Not allowed: {SqliteMessage(e)}."),
                1 or 20 or 25 => (StorageErrorCode.InvalidRequest, $"{SqliteMessage(e)}."),
                _ => (StorageErrorCode.Internal, "The database reported an unexpected error."),
            },
        };
        return new StorageException(code, message, new Dictionary<string, object?> { ["sqlite_code"] = e.SqliteExtendedErrorCode }, e);
    }

    // SqliteException.Message is "SQLite Error 19: 'UNIQUE constraint failed: t.x'."; keep the database's words.
    private static string SqliteMessage(SqliteException e)
    {
        var message = e.Message;
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = message.LastIndexOf('\'');
        return start >= 0 && end > start ? message[(start + 1)..end] : message.TrimEnd('.');
    }
}
