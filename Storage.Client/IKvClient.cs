namespace Storage.Client;

/// <summary>
/// <c>db.kv.&lt;plugin&gt;.*</c>: values are any JSON; a value of type <c>T</c> is (de)serialized with
/// <see cref="StorageClientOptions.JsonSerializerOptions"/>. Writes carry a generated <c>request_id</c>
/// and are retried safely; errors are <see cref="StorageException"/> (TOO_LARGE, CONFLICT, INVALID_REQUEST...).
/// </summary>
public interface IKvClient
{
    /// <summary>Sets <paramref name="key"/>; returns the new revision. CONFLICT when <paramref name="ifAbsent"/> or <paramref name="ifRevision"/> fails.</summary>
    Task<long> SetAsync<T>(string key, T value, TimeSpan? ttl = null, bool ifAbsent = false, long? ifRevision = null, CancellationToken cancellationToken = default);

    /// <summary>The entry, or null when the key does not exist (or has expired).</summary>
    Task<KvEntry<T>?> GetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Adds <paramref name="by"/> atomically (a missing key counts as 0); returns the new value. CONFLICT on a non-integer value.</summary>
    Task<long> IncrAsync(string key, long by = 1, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes <paramref name="key"/>; returns whether it existed.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Keys in ordinal order, fetched <paramref name="pageSize"/> at a time (default 1000, max 10000), following <c>next</c>.</summary>
    IAsyncEnumerable<string> ListAsync(string? prefix = null, int? pageSize = null, CancellationToken cancellationToken = default);
}
