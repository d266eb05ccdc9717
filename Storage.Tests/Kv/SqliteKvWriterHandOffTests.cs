using System.Globalization;
using Microsoft.Data.Sqlite;
using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Kv.KvTestHelpers;

namespace Storage.Tests.Kv;

/// <summary>
/// With more writes queued, the SQLite writer hands a committed batch's callers to another thread and
/// commits the next batch at once: a caller still busy with its reply does not hold the writer up.
/// </summary>
[TestClass]
public sealed class SqliteKvWriterHandOffTests
{
    [TestMethod]
    public async Task The_writer_commits_the_next_batch_while_callers_of_the_previous_one_still_run()
    {
        var store = TestBackends.Get<IKvStore>(Backend.Sqlite);
        var plugin = TestPlugins.New();
        await store.SetAsync(plugin, new KvSetRequest("k", Json("0")), None);

        Task<KvSetResponse> first;
        List<Task<KvSetResponse>> rest;
        Task<bool> firstCallerSawTheLast;
        var last = new TaskCompletionSource<Task<KvSetResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Holding the file's write lock keeps the writer from committing while every write is queued:
        // the first batch (at most 256 writes) commits with more still queued behind it.
        using (var locker = new SqliteConnection($"Data Source={Path.Combine(TestEnvironment.SqliteDirectory, plugin.Value + ".db")};Pooling=False"))
        {
            locker.Open();
            using (var begin = locker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }
            first = store.SetAsync(plugin, new KvSetRequest("first", Json("1")), None);
            // Runs on the thread that completes the first write, as a reply being sent would: it waits
            // (up to a deadline far past any commit) for the last write, which commits in a later batch.
            firstCallerSawTheLast = first.ContinueWith(_ => last.Task.Result.Wait(TimeSpan.FromSeconds(60)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            rest = Enumerable.Range(0, 300).Select(i =>
                store.SetAsync(plugin, new KvSetRequest($"k{i:D3}", Json(i.ToString(CultureInfo.InvariantCulture))), None)).ToList();
            last.SetResult(rest[^1]);
            using var rollback = locker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        // Had the writer run the first caller itself, it would still be waiting there: the last write never committed.
        Assert.IsTrue(await firstCallerSawTheLast, "the last write committed while the first batch's caller was still running");
        var revisions = (await Task.WhenAll(rest.Prepend(first))).Select(r => r.Revision).ToList();
        Assert.HasCount(301, revisions.Distinct());
        Assert.AreEqual(299, (await store.GetAsync(plugin, new KvGetRequest("k299"), None)).Value!.Value.GetInt32());
    }
}
