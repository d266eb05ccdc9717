using System.Data.Common;
using Storage.Core;

namespace Storage.Kv.Internal;

/// <summary>Reads other than gets (<see cref="SqliteKvReader"/>): on a pooled connection of the plugin's file per request, never on the writer's.</summary>
internal sealed partial class SqliteKvFile
{
    /// <summary>Runs <paramref name="read"/> on a pooled service connection of the plugin's file.</summary>
    public static async Task<T> ReadAsync<T>(IPluginDatabase database, PluginId plugin, Func<KvSql, CommandCache, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenServiceAsync(plugin, cancellationToken).ConfigureAwait(false);
        var kv = KvConnection.Of(connection);
        return read(kv.Sql, kv.Commands);
    }

    internal static KvEntry? ReadEntry(DbCommand get, string key, long now)
    {
        get.With("key", key).With("now", now);
        using var reader = get.ExecuteReader();
        return reader.Read() ? KvEntry.Read(reader) : null;
    }
}
