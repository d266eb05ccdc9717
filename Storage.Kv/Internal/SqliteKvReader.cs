using Storage.Core;
using Storage.Core.Providers;

namespace Storage.Kv.Internal;

/// <summary>
/// One plugin's SQLite KV gets while any are queued: a single drain reads them in batches of up to
/// <see cref="KvOptions.MaxGetBatch"/>, each batch on one pooled connection of the plugin's file rented
/// for that batch only (so Core's LRU and a purge close the file between batches, as between requests)
/// and under one read transaction (one WAL snapshot for the batch instead of one per get). A lone get
/// goes at once. Every plugin has its own drain and the drain yields to the thread pool between batches,
/// so a plugin flooding gets delays another plugin's by at most the batch being read. Readers in flight:
/// one per plugin, each holding one connection of its file's pool, so bounded by
/// <c>Storage:Sqlite:MaxOpenPlugins</c>. A get cancelled while queued is skipped.
/// </summary>
internal sealed class SqliteKvReader(PluginId plugin, IPluginDatabase database, int maxBatch, Action<SqliteKvReader> retire)
{
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private bool _draining;
    private bool _retired;

    public PluginId Plugin { get; } = plugin;

    /// <summary>Queues a get; null when this reader has retired (the caller takes a new one).</summary>
    public Task<KvEntry?>? TryEnqueue(string key, long now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(key, now, cancellationToken);
        lock (_gate)
        {
            if (_retired)
                return null;
            _queue.Enqueue(pending);
            if (!_draining)
            {
                _draining = true;
                _ = Task.Run(DrainAsync, CancellationToken.None);
            }
        }
        return pending.Completion.Task;
    }

    private async Task DrainAsync()
    {
        var batch = new List<Pending>();
        while (true)
        {
            batch.Clear();
            lock (_gate)
            {
                while (batch.Count < maxBatch && _queue.TryDequeue(out var pending))
                {
                    if (pending.CancellationToken.IsCancellationRequested)
                        pending.Completion.TrySetCanceled(pending.CancellationToken);
                    else
                        batch.Add(pending);
                }
                if (batch.Count == 0 && _queue.Count == 0)
                {
                    _retired = true;
                    retire(this);
                    return;
                }
            }
            if (batch.Count > 0)
                await ReadAsync(batch).ConfigureAwait(false);
            // Other plugins' drains (and everything else on the pool) go before this plugin's next batch.
            await Task.Yield();
        }
    }

    private async Task ReadAsync(List<Pending> batch)
    {
        var entries = new KvEntry?[batch.Count];
        try
        {
            await using var connection = await database.OpenServiceAsync(Plugin, CancellationToken.None).ConfigureAwait(false);
            KvConnection.Of(connection).Get.ReadMany(batch, entries);
        }
        catch (Exception ex)
        {
            foreach (var entry in entries)
                entry?.Return();
            var error = ProviderErrors.Translate(ex) ?? ex;
            foreach (var pending in batch)
                pending.Completion.TrySetException(error);
            return;
        }
        // The connection is back in the pool before the callers resume (their replies run on this drain).
        for (var i = 0; i < batch.Count; i++)
        {
            if (!batch[i].Completion.TrySetResult(entries[i]))
                entries[i]?.Return();
        }
    }

    /// <summary>A queued get; its token lets the drain skip it when its caller gave up while it waited.</summary>
    internal sealed class Pending(string key, long now, CancellationToken cancellationToken)
    {
        public string Key { get; } = key;

        public long Now { get; } = now;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<KvEntry?> Completion { get; } = new();
    }
}
