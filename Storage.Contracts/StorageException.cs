namespace Storage.Contracts;

/// <summary>
/// The one exception every tier raises for an expected failure. The host turns it into the
/// contract's error reply; <see cref="Details"/> holds JSON-serializable scalars only.
/// </summary>
public sealed class StorageException : Exception
{
    private static readonly IReadOnlyDictionary<string, object?> NoDetails = new Dictionary<string, object?>();

    public StorageException(StorageErrorCode code, string message, IReadOnlyDictionary<string, object?>? details = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Details = details ?? NoDetails;
    }

    /// <summary>The stable error code.</summary>
    public StorageErrorCode Code { get; }

    /// <summary>Machine-readable facts about the failure (field, limit, actual value).</summary>
    public IReadOnlyDictionary<string, object?> Details { get; }

    /// <summary>An <see cref="StorageErrorCode.InvalidRequest"/> naming the offending field.</summary>
    public static StorageException InvalidField(string field, string message) =>
        new(StorageErrorCode.InvalidRequest, message, new Dictionary<string, object?> { ["field"] = field });

    /// <summary>An error for a value outside its documented range, naming field, limit and actual value.</summary>
    public static StorageException OutOfRange(string field, string range, object? actual, StorageErrorCode code = StorageErrorCode.InvalidRequest) =>
        new(code, $"Field '{field}' must be {range}; got {actual}.",
            new Dictionary<string, object?> { ["field"] = field, ["limit"] = range, ["actual"] = actual });
}
