using System.Data.Common;

namespace Storage.Kv.Internal;

/// <summary>
/// The one place a stored KV row becomes a <see cref="KvEntry"/>, for both backends and every read
/// (single get, batched get, the SQLite writer's counter read): the columns value, revision and
/// expires_at, in that order, starting at <c>first</c>.
/// </summary>
internal static class KvEntryReader
{
    public static KvEntry Read(DbDataReader reader, int first) =>
        new(reader.GetString(first), reader.GetInt64(first + 1), reader.IsDBNull(first + 2) ? null : reader.GetInt64(first + 2));
}
