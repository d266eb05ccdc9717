namespace Storage.Contracts;

/// <summary>Wire names and NATS micro status numbers of <see cref="StorageErrorCode"/>.</summary>
public static class StorageErrorCodes
{
    /// <summary>The upper snake case name sent on the wire, e.g. <c>INVALID_REQUEST</c>.</summary>
    public static string WireName(this StorageErrorCode code) => code switch
    {
        StorageErrorCode.InvalidJson => "INVALID_JSON",
        StorageErrorCode.InvalidRequest => "INVALID_REQUEST",
        StorageErrorCode.NotFound => "NOT_FOUND",
        StorageErrorCode.Conflict => "CONFLICT",
        StorageErrorCode.TooLarge => "TOO_LARGE",
        StorageErrorCode.Forbidden => "FORBIDDEN",
        StorageErrorCode.Timeout => "TIMEOUT",
        StorageErrorCode.RateLimited => "RATE_LIMITED",
        StorageErrorCode.Unavailable => "UNAVAILABLE",
        StorageErrorCode.MigrationFailed => "MIGRATION_FAILED",
        _ => "INTERNAL",
    };

    /// <summary>The HTTP-like number for the <c>Nats-Service-Error-Code</c> header.</summary>
    public static int StatusNumber(this StorageErrorCode code) => code switch
    {
        StorageErrorCode.InvalidJson or StorageErrorCode.InvalidRequest => 400,
        StorageErrorCode.Forbidden => 403,
        StorageErrorCode.NotFound => 404,
        StorageErrorCode.Conflict => 409,
        StorageErrorCode.TooLarge => 413,
        StorageErrorCode.MigrationFailed => 422,
        StorageErrorCode.RateLimited => 429,
        StorageErrorCode.Unavailable => 503,
        StorageErrorCode.Timeout => 504,
        _ => 500,
    };

    /// <summary>The code whose wire name is <paramref name="wireName"/>; false for a name this version does not know.</summary>
    public static bool TryParse(string? wireName, out StorageErrorCode code)
    {
        foreach (var candidate in Enum.GetValues<StorageErrorCode>())
        {
            if (string.Equals(candidate.WireName(), wireName, StringComparison.Ordinal))
            {
                code = candidate;
                return true;
            }
        }
        code = StorageErrorCode.Internal;
        return false;
    }
}
