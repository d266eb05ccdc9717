namespace Storage.Sql.Internal;

/// <summary>The SQL tier's fixed limits from the contract.</summary>
internal static class SqlLimits
{
    public const int MaxQueryBytes = 64 * 1024;
    public const int DefaultTimeoutMs = 5000;
    public const int MaxTimeoutMs = 30_000;
    public const int DefaultMaxRows = 1000;
    public const int MaxRows = 10_000;
    public const int MaxFingerprintChars = 2048;
}
