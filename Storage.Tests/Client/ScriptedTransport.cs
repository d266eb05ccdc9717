using System.Text;
using Storage.Client;

namespace Storage.Tests.Client;

/// <summary>
/// Wraps a real transport and lets a test decide, per attempt, what the client sees: the real reply,
/// the real reply lost after the service applied it (a NATS timeout), or a made-up error reply.
/// Records every body sent, so tests see the request_id and the attempts.
/// </summary>
internal sealed class ScriptedTransport(IStorageTransport inner) : IStorageTransport
{
    private readonly Queue<Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<ReadOnlyMemory<byte>>>> _script = new();
    private readonly List<(string Subject, string Body)> _sent = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<(string Subject, string Body)> Sent
    {
        get
        {
            lock (_gate)
                return [.. _sent];
        }
    }

    /// <summary>The next attempt reaches the service, which applies it, but its reply is lost.</summary>
    public ScriptedTransport LoseReply()
    {
        _script.Enqueue(async (subject, body, ct) =>
        {
            await inner.RequestAsync(subject, body, TimeSpan.FromSeconds(30), ct);
            throw new TimeoutException("reply lost (scripted)");
        });
        return this;
    }

    /// <summary>The next attempt never reaches the service and gets <paramref name="error"/> back.</summary>
    public ScriptedTransport Answer(StorageException error)
    {
        _script.Enqueue((_, _, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(ErrorReply.Serialize(error)));
        return this;
    }

    /// <summary>The next attempt runs <paramref name="action"/> and then gets no reply.</summary>
    public ScriptedTransport Then(Action action)
    {
        _script.Enqueue((_, _, _) =>
        {
            action();
            throw new TimeoutException("no reply (scripted)");
        });
        return this;
    }

    public ValueTask<ReadOnlyMemory<byte>> RequestAsync(string subject, ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<ReadOnlyMemory<byte>>>? step;
        lock (_gate)
        {
            _sent.Add((subject, Encoding.UTF8.GetString(body.Span)));
            _script.TryDequeue(out step);
        }
        return step is null ? inner.RequestAsync(subject, body, timeout, cancellationToken) : step(subject, body, cancellationToken);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
