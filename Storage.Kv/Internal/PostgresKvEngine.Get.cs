using Npgsql;
using Storage.Core;
using Storage.Core.Providers;

namespace Storage.Kv.Internal;

/// <summary>
/// Batched gets: while the read round trips in flight are busy, gets of every plugin queue up, and the
/// next free round trip takes up to <see cref="KvOptions.MaxGetBatch"/> of them, oldest first, in one
/// statement (<see cref="KvSql.GetMany"/>). A lone get still goes at once. The queue is FIFO across
/// plugins, so a plugin flooding gets only lengthens batches; how many of its gets can wait at once is
/// bounded by the host's per-plugin concurrency (<c>Nats:MaxConcurrencyPerPlugin</c>).
/// </summary>
internal sealed partial class PostgresKvEngine
{
    private readonly WriteBatcher<KvGet, KvEntry?> _gets;

    public async Task<KvEntry?> GetAsync(PluginId plugin, string key, long now, CancellationToken cancellationToken)
    {
        // Provisions the plugin on first use, as any first request does.
        await SqlAsync(plugin, cancellationToken).ConfigureAwait(false);
        var entry = _gets.EnqueueAsync(new KvGet(plugin, key, now, cancellationToken), cancellationToken);
        // A cancelled get returns at once; its batch goes on for the others.
        return await entry.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteGetBatchAsync(IReadOnlyList<WriteBatcher<KvGet, KvEntry?>.Pending> batch)
    {
        var live = new List<WriteBatcher<KvGet, KvEntry?>.Pending>(batch.Count);
        foreach (var pending in batch)
        {
            if (pending.Item.CancellationToken.IsCancellationRequested)
                pending.Completion.TrySetCanceled(pending.Item.CancellationToken);
            else
                live.Add(pending);
        }
        if (live.Count == 0)
            return;
        KvEntry?[] entries;
        try
        {
            await using var connection = await _database.OpenServiceAsync(live[0].Item.Plugin, CancellationToken.None).ConfigureAwait(false);
            var npgsql = (NpgsqlConnection)connection.Connection;
            try
            {
                entries = await ReadManyAsync(npgsql, live.ConvertAll(p => p.Item)).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (live.Count > 1 && ProviderErrors.Translate(ex)?.Code is not (StorageErrorCode.Unavailable or StorageErrorCode.Timeout))
            {
                // A statement error could come from one get's input: one at a time, so it fails only that get.
                entries = new KvEntry?[live.Count];
                for (var i = 0; i < live.Count; i++)
                {
                    try
                    {
                        entries[i] = (await ReadManyAsync(npgsql, [live[i].Item]).ConfigureAwait(false))[0];
                    }
                    catch (PostgresException one)
                    {
                        live[i].Completion.TrySetException(ProviderErrors.Translate(one) ?? (Exception)one);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // The database is unreachable or failed as a whole: every get of the batch fails alike (UNAVAILABLE, TIMEOUT).
            var error = ProviderErrors.Translate(ex) ?? ex;
            foreach (var pending in live)
                pending.Completion.TrySetException(error);
            return;
        }
        // The connection is back in the pool before the callers resume (their replies run on this loop).
        for (var i = 0; i < live.Count; i++)
            live[i].Completion.TrySetResult(entries[i]);
    }

    private static async Task<KvEntry?[]> ReadManyAsync(NpgsqlConnection connection, IReadOnlyList<KvGet> gets)
    {
        var (plugins, keys, nows) = (new string[gets.Count], new string[gets.Count], new long[gets.Count]);
        for (var i = 0; i < gets.Count; i++)
            (plugins[i], keys[i], nows[i]) = (gets[i].Plugin.Value, gets[i].Key, gets[i].Now);
        await using var command = new NpgsqlCommand(KvSql.GetMany, connection);
        command.Parameters.AddWithValue("plugins", plugins);
        command.Parameters.AddWithValue("keys", keys);
        command.Parameters.AddWithValue("nows", nows);
        var entries = new KvEntry?[gets.Count];
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
            entries[reader.GetInt64(0) - 1] = KvEntry.Read(reader, 1);
        return entries;
    }

    /// <summary>One queued get; its token lets a batch skip it when its caller gave up while it waited.</summary>
    private readonly record struct KvGet(PluginId Plugin, string Key, long Now, CancellationToken CancellationToken);
}
