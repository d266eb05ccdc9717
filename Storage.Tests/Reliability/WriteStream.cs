using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Reliability;

/// <summary>
/// Several workers writing distinct KV keys (and, with <c>rows</c>, half of them inserting distinct
/// rows into the table <see cref="RowMigration"/> creates) as fast as the host answers, remembering
/// every write that was acknowledged (a success reply). Failures and missing answers are expected
/// once the host goes away; the workers keep trying until stopped.
/// </summary>
internal sealed class WriteStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;

    /// <summary>Applied through <c>db.migrate</c> before a stream with rows starts.</summary>
    public const string RowMigration = """{"action":"apply","migrations":[{"version":"001","up":"CREATE TABLE stream (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"}]}""";

    private readonly bool _rows;

    public WriteStream(NatsConnection client, string plugin, int workers = 8, bool rows = false)
    {
        _rows = rows;
        _workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(() => rows && w % 2 == 1 ? InsertRowsAsync(client, plugin, w) : WorkAsync(client, plugin, w)))];
    }

    public ConcurrentQueue<string> Acknowledged { get; } = new();

    /// <summary>Names of the acknowledged row inserts.</summary>
    public ConcurrentQueue<string> AcknowledgedRows { get; } = new();

    private int _answered;

    /// <summary>Requests that got any reply, success or error.</summary>
    public int Answered => Volatile.Read(ref _answered);

    public async Task WaitForAcknowledgedAsync(int count)
    {
        var deadline = Eventually.From(DateTime.UtcNow);
        while (Acknowledged.Count < count || (_rows && AcknowledgedRows.Count < count / 2))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Only {Acknowledged.Count} KV writes and {AcknowledgedRows.Count} row inserts of {count} were acknowledged within {Eventually.Deadline.TotalSeconds} s.");
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

    /// <summary>Asserts that every acknowledged row insert is stored, read through the row tier directly.</summary>
    public async Task AssertAllAcknowledgedRowsArePresentAsync(Storage.Rows.IRowInspector rows, string plugin)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in rows.ReadTableAsync(PluginId.Parse(plugin), "stream", CancellationToken.None))
            stored.Add(row["name"]!.GetValue<string>());
        var missing = AcknowledgedRows.Where(n => !stored.Contains(n)).ToList();
        Assert.IsNotEmpty(AcknowledgedRows);
        Assert.IsEmpty(missing, $"{missing.Count} of {AcknowledgedRows.Count} acknowledged row inserts are missing, e.g. {string.Join(", ", missing.Take(5))}.");
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

    private async Task InsertRowsAsync(NatsConnection client, string plugin, int worker)
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var name = $"r{worker}-{i}";
            try
            {
                var body = Encoding.UTF8.GetBytes($$$"""{"table":"stream","data":{"id":{{{worker * 10_000_000L + i}}},"name":"{{{name}}}"}}""");
                var reply = await client.RequestAsync<byte[], byte[]>($"db.row.{plugin}.insert", body,
                    replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(5) }, cancellationToken: _stop.Token);
                Interlocked.Increment(ref _answered);
                using var document = JsonDocument.Parse(reply.Data ?? []);
                if (!document.RootElement.TryGetProperty("error", out _))
                    AcknowledgedRows.Enqueue(name);
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException)
            {
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }
}
