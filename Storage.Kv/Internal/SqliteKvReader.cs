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
internal sealed class SqliteKvReader
{
    private readonly IPluginDatabase _database;
    private readonly int _maxBatch;
    private readonly PluginDrainQueue<Pending> _queue;

    public SqliteKvReader(PluginId plugin, IPluginDatabase database, int maxBatch, Action<SqliteKvReader> retire)
    {
        (Plugin, _database, _maxBatch) = (plugin, database, maxBatch);
        _queue = new(DrainAsync, () => retire(this));
    }

    public PluginId Plugin { get; }

    /// <summary>Queues a get; null when this reader has retired (the caller takes a new one).</summary>
    public Task<KvEntry?>? TryEnqueue(string key, long now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(key, now, cancellationToken);
        return _queue.TryEnqueue(pending) ? pending.Completion.Task : null;
    }

    private async Task DrainAsync()
    {
        var batch = new List<Pending>();
        while (true)
        {
            batch.Clear();
            if (!_queue.TryTake(batch, _maxBatch, SettledByCancellation))
                return;
            var settle = batch.Count > 0 ? await ReadAsync(batch).ConfigureAwait(false) : null;
            // Nothing queued meanwhile (at 1,000 plugins, almost every get): the reader retires before its callers
            // resume, so a caller that has its answer finds none held, and no hop through the thread pool follows
            // only to find the queue empty (docs/performance.md, "what bounds the cells now").
            var last = _queue.RetireIfEmpty();
            settle?.Invoke();
            if (last)
                return;
            // Other plugins' drains (and everything else on the pool) go before this plugin's next batch.
            await Task.Yield();
        }
    }

    // A get cancelled while queued is answered as cancelled and not read.
    private static bool SettledByCancellation(Pending pending)
    {
        if (!pending.CancellationToken.IsCancellationRequested)
            return false;
        pending.Completion.TrySetCanceled(pending.CancellationToken);
        return true;
    }

    // Reads the batch and gives the connection back; returns how to answer its callers (their replies run on this
    // drain), called before the batch list is reused.
    private async Task<Action> ReadAsync(List<Pending> batch)
    {
        var entries = new KvEntry?[batch.Count];
        try
        {
            await using var connection = await _database.OpenServiceAsync(Plugin, CancellationToken.None).ConfigureAwait(false);
            KvConnection.Of(connection).Get.ReadMany(batch, entries);
        }
        catch (Exception ex)
        {
            foreach (var entry in entries)
                entry?.Return();
            var error = ProviderErrors.Translate(ex) ?? ex;
            return () =>
            {
                foreach (var pending in batch)
                    pending.Completion.TrySetException(error);
            };
        }
        return () =>
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (!batch[i].Completion.TrySetResult(entries[i]))
                    entries[i]?.Return();
            }
        };
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
