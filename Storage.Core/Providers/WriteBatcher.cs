using System.Threading.Channels;

namespace Storage.Core.Providers;

/// <summary>
/// Queues writes and hands them to <c>execute</c> in batches: while one batch commits, the next
/// one gathers, so concurrent writers share a commit. <c>execute</c> must settle every item's
/// completion; anything it leaves unsettled fails with the exception it threw.
/// </summary>
public sealed class WriteBatcher<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue;
    private readonly Func<IReadOnlyList<Pending>, Task> _execute;
    private readonly int _maxBatch;
    private readonly Task[] _loops;

    public WriteBatcher(Func<IReadOnlyList<Pending>, Task> execute, int maxBatch, int loops)
    {
        _execute = execute;
        _maxBatch = maxBatch;
        _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = loops == 1 });
        _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(LoopAsync)).ToArray();
    }

    /// <summary>Queues a write; the task completes after the batch holding it committed (or failed).</summary>
    public Task<TResult> EnqueueAsync(TItem item, CancellationToken cancellationToken)
    {
        // Once queued a write may commit at any moment, so cancellation is honoured only before.
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(item);
        if (!_queue.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(WriteBatcher<TItem, TResult>));
        return pending.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
                batch.Add(pending);
            if (batch.Count == 0)
                continue;
            try
            {
                await _execute(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                    pending.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>A queued write and the completion its caller awaits.</summary>
    public sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;

        // Continuations run on the batch loop right after the commit: replying from here saves a
        // thread hop per write, and nothing awaiting a write blocks synchronously.
        public TaskCompletionSource<TResult> Completion { get; } = new();
    }
}
