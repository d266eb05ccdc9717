using LinqToDB.Mapping;

namespace Storage.Kv.Internal;

/// <summary>
/// A KV entry as stored: PostgreSQL's shared <c>_storage.kv</c> (keyed by plugin and key) or, renamed
/// to <c>_storage_kv</c>, a SQLite plugin file's table, which has no plugin column. For the inspector's
/// reads only; the hot path's statements are prepared by hand (<see cref="KvSql"/>).
/// </summary>
[Table(Schema = "_storage", Name = "kv")]
internal sealed class KvRow
{
    [Column("plugin")] public string Plugin { get; set; } = "";
    [Column("key"), PrimaryKey] public string Key { get; set; } = "";
    [Column("value"), NotNull] public string Value { get; set; } = "";
    [Column("revision")] public long Revision { get; set; }
    [Column("expires_at")] public long? ExpiresAt { get; set; }
}
