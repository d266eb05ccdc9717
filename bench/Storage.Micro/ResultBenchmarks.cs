using System.Buffers;
using System.Data;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Storage.Core;
using Storage.Sql.Internal;

namespace Storage.Micro;

/// <summary>
/// Database values to JSON: Core's value writer over 100 rows of five columns, and the SQL tier's
/// result (the same rows through its row writer into the <c>query</c> reply the host sends). The rows
/// come from an in-memory table, so only the service's own writing is measured.
/// </summary>
public class ResultBenchmarks
{
    private readonly DataTable _table = Rows(100);
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly ReplyLimits _limits = new();

    [Benchmark]
    public long ValueWriter()
    {
        using var reader = _table.CreateDataReader();
        var values = DbValueWriter.For(reader);
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, StorageJson.WriterOptions);
        writer.WriteStartArray();
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
                values.Write(writer, reader, i, budget: null);
        }
        writer.WriteEndArray();
        writer.Flush();
        return writer.BytesCommitted;
    }

    [Benchmark]
    public async Task<byte[]> SqlResult()
    {
        using var reader = _table.CreateDataReader();
        using var rows = new RowWriter(1000, _limits.Budget(4 * 1024 * 1024, "Sql:MaxResultBytes"), forReply: true);
        await rows.ReadAsync(reader, CancellationToken.None).ConfigureAwait(false);
        using var reply = new PooledBufferWriter();
        SqlQueryReply.Write(reply, rows, rows.RowCount, 0.5, plan: null);
        return reply.WrittenSpan.ToArray();
    }

    private static DataTable Rows(int count)
    {
        var table = new DataTable();
        table.Columns.Add("id", typeof(long));
        table.Columns.Add("author", typeof(string));
        table.Columns.Add("text", typeof(string));
        table.Columns.Add("score", typeof(double));
        table.Columns.Add("ok", typeof(bool));
        for (var i = 0; i < count; i++)
            table.Rows.Add(i, $"author {i}", $"\"Quote\" number {i}, with some text to make it a realistic row — café", i * 1.25, i % 2 == 0);
        return table;
    }
}
