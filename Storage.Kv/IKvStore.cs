using System.Buffers;
using Storage.Core;

namespace Storage.Kv;

/// <summary>
/// The KV tier: JSON values by key per plugin, with TTL, conditional writes and atomic counters.
/// Every method can raise <see cref="StorageErrorCode.InvalidRequest"/> for a bad field and
/// <see cref="StorageErrorCode.Unavailable"/> when the database is down.
/// </summary>
public interface IKvStore
{
    /// <summary>Stores a value; CONFLICT when <c>if_absent</c>/<c>if_revision</c> fails, TOO_LARGE over the value limit.</summary>
    Task<KvSetResponse> SetAsync(PluginId plugin, KvSetRequest request, CancellationToken cancellationToken);

    /// <summary>Reads a value; a missing or expired key is <c>exists: false</c>.</summary>
    Task<KvGetResponse> GetAsync(PluginId plugin, KvGetRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a value like <see cref="GetAsync"/> and writes the reply's JSON to <paramref name="reply"/>, byte for
    /// byte what serializing its <see cref="KvGetResponse"/> with <see cref="KvJsonContext"/> gives; the value goes
    /// from the database to <paramref name="reply"/> as UTF-8, without being parsed. For hosts that send replies.
    /// </summary>
    Task WriteGetAsync(PluginId plugin, KvGetRequest request, IBufferWriter<byte> reply, CancellationToken cancellationToken);

    /// <summary>Deletes a key; <c>deleted</c> says whether a live key was there.</summary>
    Task<KvDeleteResponse> DeleteAsync(PluginId plugin, KvDeleteRequest request, CancellationToken cancellationToken);

    /// <summary>Lists live keys in ordinal order, a page at a time.</summary>
    Task<KvListResponse> ListAsync(PluginId plugin, KvListRequest request, CancellationToken cancellationToken);

    /// <summary>Adds to an integer value atomically (missing = 0); CONFLICT when the value is not an integer.</summary>
    Task<KvIncrResponse> IncrAsync(PluginId plugin, KvIncrRequest request, CancellationToken cancellationToken);
}
