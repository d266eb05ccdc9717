namespace Storage.Contracts;

/// <summary>The stable error codes of the wire contract. Their wire names never change.</summary>
public enum StorageErrorCode
{
    /// <summary>The body is not a JSON object.</summary>
    InvalidJson,
    /// <summary>A missing or ill-typed field, unknown operator or column, or a bad name.</summary>
    InvalidRequest,
    /// <summary>An unknown table.</summary>
    NotFound,
    /// <summary>A unique violation, failed precondition or edited applied migration.</summary>
    Conflict,
    /// <summary>A value or result over its size limit.</summary>
    TooLarge,
    /// <summary>SQL the guardrails refuse.</summary>
    Forbidden,
    /// <summary>The statement ran past its time limit.</summary>
    Timeout,
    /// <summary>The plugin is over its rate limit; <c>details.retry_after_ms</c> says when to retry.</summary>
    RateLimited,
    /// <summary>The database is unreachable; retry later.</summary>
    Unavailable,
    /// <summary>A migration script failed; nothing of the apply was kept.</summary>
    MigrationFailed,
    /// <summary>An unexpected failure; the message is generic.</summary>
    Internal,
}
