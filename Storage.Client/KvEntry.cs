namespace Storage.Client;

/// <summary>A KV value with its revision (for <c>ifRevision</c>) and its expiry, if it has a TTL.</summary>
public sealed record KvEntry<T>(T Value, long Revision, DateTimeOffset? ExpiresAt);
