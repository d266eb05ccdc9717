using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Core.Internal;
using Storage.Rows;
using Storage.Tests.Infrastructure;
using static Storage.Tests.Rows.RowTestSchema;

namespace Storage.Tests.Rows;

/// <summary>
/// The <c>search</c> reply is written straight from the database reader: it must be byte for byte what
/// serializing the <see cref="RowSearchResponse"/> gives, the cursor must work when <c>fields</c> leaves
/// the sort column out, and the row past the limit (only stepped onto) must not count against the cap.
/// </summary>
[TestClass]
public sealed class RowSearchReplyTests
{
    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_written_reply_is_the_serialized_response(string backend)
    {
        var plugin = TestPlugins.New("sr");
        await CreateItemsAsync(backend, plugin);
        var store = TestBackends.Get<IRowStore>(backend);
        var odd = "caf\u00e9 \uD83D\uDE00 'q' \"d\" <b>&</b> 1+1 \\ /\n\t";
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json(JsonSerializer.Serialize(new object[]
        {
            new { name = odd, qty = 3, price = 1.5, created_at = "2025-01-01T10:00:00.5Z", tags = new[] { "a<b" } },
            new { name = "two", qty = (int?)null, created_at = "2025-01-01T10:00:00Z" },
            new { name = "three", qty = 7, created_at = "2025-01-01 10:00:00.1200+02:00" },
        }))), CancellationToken.None);

        foreach (var json in new[]
        {
            """{"table":"items"}""",
            """{"table":"items","limit":2,"sort":{"field":"created_at","order":"desc"},"count":true}""",
            """{"table":"items","limit":1,"fields":["name"],"sort":{"field":"qty"}}""",
            """{"table":"items","filters":{"name":"none"},"count":true}""",
        })
        {
            using var reply = new PooledBufferWriter();
            await store.WriteSearchAsync(plugin, JsonSerializer.Deserialize(json, RowsJsonContext.Default.RowSearchRequest)!, reply, CancellationToken.None);
            var written = Encoding.UTF8.GetString(reply.WrittenSpan);
            var response = JsonSerializer.Deserialize(written, RowsJsonContext.Default.RowSearchResponse)!;
            Assert.AreEqual(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(response, RowsJsonContext.Default.RowSearchResponse)), written, json);
        }
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task Paging_by_a_sort_field_left_out_of_fields_visits_every_row_once(string backend)
    {
        var plugin = TestPlugins.New("sr");
        await CreateItemsAsync(backend, plugin);
        var store = TestBackends.Get<IRowStore>(backend);
        var rows = Enumerable.Range(1, 7).Select(i => $$"""{"name":"n{{i}}","qty":{{i % 3}}}""");
        await store.InsertAsync(plugin, new RowInsertRequest("items", Json("[" + string.Join(",", rows) + "]")), CancellationToken.None);
        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await store.SearchAsync(plugin, new RowSearchRequest("items", Sort: Json("""{"field":"qty","order":"desc"}"""), Limit: 2, After: after, Fields: ["name"]),
                CancellationToken.None);
            Assert.IsTrue(page.Rows.All(r => r.Count == 1 && r.ContainsKey("name")), "only the fields asked for");
            seen.AddRange(page.Rows.Select(r => r["name"]!.GetValue<string>()));
            Assert.AreEqual(page.Next is not null, page.Truncated);
            after = page.Next;
        }
        while (after is not null);
        Assert.AreEqual("n2,n5,n1,n4,n7,n3,n6", string.Join(",", seen));
    }

    [TestMethod]
    [DataRow(Backend.Sqlite)]
    [DataRow(Backend.Postgres)]
    public async Task The_row_past_the_limit_is_not_read_and_a_row_over_the_cap_is_too_large(string backend)
    {
        await using var services = TestBackends.BuildWithRows(backend, o => o.MaxResultBytes = 4096);
        var plugin = TestPlugins.New("sr");
        await RunAsync(services, plugin, $"CREATE TABLE notes ({IdColumn(backend)}, body TEXT)");
        var store = services.GetRequiredService<IRowStore>();
        await store.InsertAsync(plugin, new RowInsertRequest("notes", Json($$"""[{"body":"small"},{"body":"{{new string('x', 8000)}}"}]""")), CancellationToken.None);

        var first = await store.SearchAsync(plugin, new RowSearchRequest("notes", Limit: 1), CancellationToken.None);
        Assert.HasCount(1, first.Rows);
        Assert.IsTrue(first.Truncated);
        var error = await Assert.ThrowsExactlyAsync<StorageException>(() => store.SearchAsync(plugin, new RowSearchRequest("notes", After: first.Next), CancellationToken.None));
        Assert.AreEqual(StorageErrorCode.TooLarge, error.Code);
        Assert.AreEqual(4096L, error.Details["limit_bytes"]);
    }

    [TestMethod]
    [DataRow("2025-01-01T10:00:00Z", true)]
    [DataRow("2025-01-01T10:00:00.5Z", true)]
    [DataRow("2025-01-01T10:00:00.500000Z", true)]
    [DataRow("2025-01-01T10:00:00.000000Z", true)]
    [DataRow("2025-01-01T10:00:00.123456Z", true)]
    [DataRow("2024-02-29T23:59:59.000001Z", true)]
    [DataRow("9999-12-31T23:59:59.999990Z", true)]
    [DataRow("0001-01-01T00:00:00.0Z", true)]
    [DataRow("2025-02-29T10:00:00.000000Z", false)]
    [DataRow("2025-01-01T24:00:00Z", false)]
    [DataRow("2025-01-01T23:59:60Z", false)]
    [DataRow("2025-13-01T10:00:00Z", false)]
    [DataRow("0000-01-01T00:00:00Z", false)]
    [DataRow("2025-01-01T10:00:00.1234567Z", false)]
    [DataRow("2025-01-01T10:00:00.Z", false)]
    [DataRow("2025-01-01 10:00:00Z", false)]
    [DataRow("2025-01-01T10:00:00+02:00", false)]
    [DataRow("2025-01-01T10:00Z", false)]
    [DataRow("2025-01-01T10:00:0aZ", false)]
    public void Stored_timestamp_text_is_written_as_the_parse_would_write_it(string text, bool fast)
    {
        var slow = UtcTimestampJsonConverter.TryParse(text) is { } time ? UtcTimestampJsonConverter.Format(time) : text;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            Assert.AreEqual(fast, WireTimestamp.TryWrite(writer, text));
        if (fast)
            Assert.AreEqual(JsonSerializer.Serialize(slow), Encoding.UTF8.GetString(buffer.WrittenSpan));
        else
            Assert.AreEqual(0, buffer.WrittenCount, "nothing written: the full parse writes it");
    }

    [TestMethod]
    public void Every_stored_form_of_many_instants_reads_as_the_parse_would_write_it()
    {
        var random = new Random(15);
        for (var i = 0; i < 20_000; i++)
        {
            var ticks = random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);
            var time = new DateTime(ticks - ticks % (i % 3 == 0 ? TimeSpan.TicksPerSecond : 10), DateTimeKind.Utc);
            var text = time.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
                Assert.IsTrue(WireTimestamp.TryWrite(writer, text), text);
            Assert.AreEqual(JsonSerializer.Serialize(UtcTimestampJsonConverter.Format(UtcTimestampJsonConverter.TryParse(text)!.Value)), Encoding.UTF8.GetString(buffer.WrittenSpan), text);
        }
    }
}
