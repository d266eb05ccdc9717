namespace Storage.Core;

/// <summary>
/// How many bound parameters one statement may carry: PostgreSQL's wire protocol allows 65,535,
/// SQLite's <c>SQLITE_LIMIT_VARIABLE_NUMBER</c> is 32,766. Requests are checked before anything is
/// sent, so too many is INVALID_REQUEST naming the field and the limit on both backends.
/// </summary>
public static class ParameterLimits
{
    /// <summary>PostgreSQL's limit (the Bind message counts parameters in 16 bits).</summary>
    public const int Postgres = 65_535;

    /// <summary>SQLite's default <c>SQLITE_LIMIT_VARIABLE_NUMBER</c>.</summary>
    public const int Sqlite = 32_766;

    /// <summary>The limit of <paramref name="provider"/>.</summary>
    public static int For(StorageProvider provider) => provider == StorageProvider.Postgres ? Postgres : Sqlite;

    /// <summary>INVALID_REQUEST naming <paramref name="field"/> when <paramref name="count"/> parameters exceed the backend's limit.</summary>
    public static void Check(StorageProvider provider, int count, string field)
    {
        var limit = For(provider);
        if (count > limit)
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Field '{field}' needs more than {limit} bound values in one statement, the most the {(provider == StorageProvider.Postgres ? "PostgreSQL" : "SQLite")} backend accepts; split the request.",
                new Dictionary<string, object?> { ["field"] = field, ["limit"] = limit, ["actual"] = count });
    }
}
