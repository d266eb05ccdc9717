using System.Text.Json;
using Storage.Client;

namespace Storage.Tests.Client;

public abstract partial class StorageClientBehaviour
{
    [TestMethod]
    public async Task An_incr_whose_reply_was_lost_is_retried_with_the_same_request_id_and_applied_once()
    {
        ScriptedTransport? script = null;
        await using var storage = await ConnectAsync(NewPlugin(), Options(), t => script = new ScriptedTransport(t).LoseReply());

        var value = await storage.Kv.IncrAsync("plays");

        Assert.AreEqual(1, value, "the retry got the first attempt's reply, not a second increment");
        Assert.AreEqual(2, (await storage.Kv.IncrAsync("plays")));
        var sent = script!.Sent;
        Assert.HasCount(3, sent);
        Assert.AreEqual(sent[0], sent[1], "the retry is the same body, request_id included");
        var ids = sent.Select(s => JsonDocument.Parse(s.Body).RootElement.GetProperty("request_id").GetString()).ToList();
        Assert.AreNotEqual(ids[0], ids[2], "a new call has a new request_id");
    }

    [TestMethod]
    public async Task A_request_id_reused_with_another_body_is_conflict_and_concurrent_incrs_all_count()
    {
        await using var storage = await ConnectAsync(NewPlugin(), Options());
        var counts = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => storage.Kv.IncrAsync("n")));
        ((Storage.Client.Internal.StorageClientCore)storage).NewRequestId = () => "same-id";

        await storage.Kv.SetAsync("a", 1);
        var error = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("a", 2));

        CollectionAssert.AreEquivalent(Enumerable.Range(1, 40).Select(i => (long)i).ToList(), counts);
        Assert.AreEqual(StorageErrorCode.Conflict, error.Code);
        Assert.AreEqual("request_id", error.Details["field"]);
        Assert.AreEqual(1, (await storage.Kv.GetAsync<int>("a"))!.Value);
    }

    [TestMethod]
    public async Task Reads_carry_no_request_id_and_are_retried_too()
    {
        ScriptedTransport? script = null;
        await using var storage = await ConnectAsync(NewPlugin(), Options(), t => script = new ScriptedTransport(t).LoseReply());
        Assert.IsNull(await storage.Kv.GetAsync<int>("k"));

        Assert.HasCount(2, script!.Sent);
        Assert.IsFalse(JsonDocument.Parse(script.Sent[0].Body).RootElement.TryGetProperty("request_id", out _));
    }

    [TestMethod]
    public async Task Unavailable_is_retried_after_retry_after_ms_and_other_errors_are_not_retried()
    {
        var clock = new RecordingDelays();
        ScriptedTransport? script = null;
        var unavailable = new StorageException(StorageErrorCode.Unavailable, "database down",
            new Dictionary<string, object?> { ["retry_after_ms"] = 250L });
        await using var storage = await ConnectAsync(NewPlugin(), Options(clock), t => script = new ScriptedTransport(t).Answer(unavailable).Answer(unavailable));

        await storage.Kv.SetAsync("k", 1, ifAbsent: true);
        var conflict = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("k", 2, ifAbsent: true));

        CollectionAssert.AreEqual(new[] { TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250) }, clock.Delays.ToArray());
        Assert.AreEqual(StorageErrorCode.Conflict, conflict.Code);
        Assert.HasCount(4, script!.Sent, "three attempts for the first set, one for the conflicting one");
    }

    [TestMethod]
    public async Task Backoff_doubles_up_to_the_maximum_and_the_last_attempt_reports_timeout()
    {
        var clock = new RecordingDelays();
        var options = Options(clock);
        options.MaxAttempts = 4;
        options.InitialBackoff = TimeSpan.FromMilliseconds(100);
        options.MaxBackoff = TimeSpan.FromMilliseconds(300);
        await using var storage = await ConnectAsync(NewPlugin(), options, t => new ScriptedTransport(t).Then(() => { }).Then(() => { }).Then(() => { }).Then(() => { }));

        var error = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.GetAsync<int>("k"));

        Assert.AreEqual(StorageErrorCode.Timeout, error.Code);
        Assert.AreEqual(4, error.Details["attempts"]);
        CollectionAssert.AreEqual(new[] { 100, 200, 300 }, clock.Delays.Select(d => (int)d.TotalMilliseconds).ToArray());
    }

    [TestMethod]
    public async Task Cancellation_stops_before_sending_and_during_a_backoff_wait()
    {
        using var canceled = new CancellationTokenSource();
        await canceled.CancelAsync();
        ScriptedTransport? script = null;
        using var during = new CancellationTokenSource();
        var options = Options(TimeProvider.System);
        options.InitialBackoff = TimeSpan.FromMinutes(1);
        options.MaxBackoff = TimeSpan.FromMinutes(1);
        await using var storage = await ConnectAsync(NewPlugin(), options, t => script = new ScriptedTransport(t).Then(during.Cancel));

        await Assert.ThrowsAsync<OperationCanceledException>(() => storage.Kv.IncrAsync("k", cancellationToken: canceled.Token));
        Assert.IsEmpty(script!.Sent);
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await storage.Rows.DescribeAsync(cancellationToken: during.Token));
        Assert.HasCount(1, script.Sent, "canceled in the minute-long backoff, no second attempt");
    }

    [TestMethod]
    public async Task A_request_over_max_payload_and_a_value_over_the_kv_limit_are_too_large_and_not_retried()
    {
        ScriptedTransport? script = null;
        await using var storage = await ConnectAsync(NewPlugin(), Options(), t => script = new ScriptedTransport(t));

        var request = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("big", new string('x', 2 * 1024 * 1024)));
        var value = await Assert.ThrowsAsync<StorageException>(() => storage.Kv.SetAsync("big", new string('x', 100 * 1024)));

        Assert.AreEqual(StorageErrorCode.TooLarge, request.Code);
        Assert.AreEqual(StorageErrorCode.TooLarge, value.Code);
        Assert.HasCount(2, script!.Sent, "one attempt each");
    }

    [TestMethod]
    [DataRow("quote.db")]
    [DataRow("quote-db.>")]
    [DataRow("*")]
    [DataRow(">")]
    [DataRow("Quote")]
    [DataRow("")]
    [DataRow("quote db")]
    [DataRow("a-very-long-plugin-name-that-goes-on-and-on-and-on-past-sixty-three")]
    public async Task A_plugin_name_that_is_not_one_subject_token_is_refused_before_anything_is_sent(string plugin)
    {
        ScriptedTransport? script = null;
        var error = await Assert.ThrowsAsync<StorageException>(() => ConnectAsync(plugin, Options(), t => script = new ScriptedTransport(t)));

        Assert.AreEqual(StorageErrorCode.InvalidRequest, error.Code);
        Assert.AreEqual("plugin", error.Details["field"]);
        StringAssert.Contains(error.Message, "^[a-z][a-z0-9_-]{0,62}$");
        Assert.IsTrue(script is null || script.Sent.Count == 0);
    }
}
