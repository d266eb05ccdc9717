using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Core;
using Storage.Kv;

namespace Storage.Tests.Reliability;

/// <summary>
/// Several workers writing distinct KV keys as fast as the host answers, remembering every write
/// that was acknowledged (a success reply). Failures and missing answers are expected once the host
/// goes away; the workers keep trying until stopped.
/// </summary>
internal sealed class WriteStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;

    public WriteStream(NatsConnection client, string plugin, int workers = 8)
    {
        _workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkAsync(client, plugin, w)))];
    }

    public ConcurrentQueue<string> Acknowledged { get; } = new();

    private int _answered;

    /// <summary>Requests that got any reply, success or error.</summary>
    public int Answered => Volatile.Read(ref _answered);

    public async Task WaitForAcknowledgedAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Acknowledged.Count < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Only {Acknowledged.Count} of {count} writes were acknowledged within 30 s.");
            await Task.Delay(10);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    /// <summary>Asserts that every acknowledged key is stored with its value, read through the tier directly.</summary>
    public async Task AssertAllAcknowledgedArePresentAsync(IKvStore store, string plugin)
    {
        var id = PluginId.Parse(plugin);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        string? after = null;
        do
        {
            var page = await store.ListAsync(id, new KvListRequest(Limit: 10_000, After: after), CancellationToken.None);
            stored.UnionWith(page.Keys);
            after = page.Truncated ? page.Next : null;
        }
        while (after is not null);
        var missing = Acknowledged.Where(k => !stored.Contains(k)).ToList();
        Assert.IsEmpty(missing, $"{missing.Count} of {Acknowledged.Count} acknowledged writes are missing, e.g. {string.Join(", ", missing.Take(5))}.");
        var sample = Acknowledged.Last();
        var got = await store.GetAsync(id, new KvGetRequest(sample), CancellationToken.None);
        Assert.AreEqual(sample, got.Value?.GetString());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync();
        _stop.Dispose();
    }

    private async Task WorkAsync(NatsConnection client, string plugin, int worker)
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var key = $"w{worker}-{i}";
            try
            {
                var body = Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","value":"{{key}}"}""");
                var reply = await client.RequestAsync<byte[], byte[]>($"db.kv.{plugin}.set", body,
                    replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(5) }, cancellationToken: _stop.Token);
                Interlocked.Increment(ref _answered);
                using var document = JsonDocument.Parse(reply.Data ?? []);
                if (document.RootElement.TryGetProperty("revision", out _))
                    Acknowledged.Enqueue(key);
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException)
            {
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }
}
