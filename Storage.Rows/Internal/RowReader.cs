using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Reads result rows into JSON objects through Core's <see cref="DbValueWriter"/>, the mapping the
/// SQL tier and export use too. Only the columns <c>include</c> accepts are read; each value is
/// checked against the budget before it is read and each row is counted at its wire size.
/// </summary>
internal sealed class RowReader : IDisposable
{
    private readonly DbDataReader _reader;
    private readonly IReadOnlyList<ColumnInfo> _columns;
    private readonly ResultBudget? _budget;
    private readonly Func<ColumnInfo, bool>? _include;
    private readonly DbValueWriter _values;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    // A null budget is the admin export's, which bounds its whole document itself.
    public RowReader(DbDataReader reader, IReadOnlyList<ColumnInfo> columns, ResultBudget? budget, Func<ColumnInfo, bool>? include = null)
    {
        _reader = reader;
        _columns = columns;
        _budget = budget;
        _include = include;
        _values = DbValueWriter.For(reader);
        // Default escaping: the size counted is the size the reply's serializer writes.
        _writer = new Utf8JsonWriter(_buffer);
    }

    public static async Task<List<JsonObject>> ReadAllAsync(DbDataReader reader, IReadOnlyList<ColumnInfo> columns, ResultBudget budget,
        Func<ColumnInfo, bool>? include, CancellationToken cancellationToken)
    {
        using var rows = new RowReader(reader, columns, budget, include);
        var all = new List<JsonObject>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            all.Add(rows.Current());
            budget.Rows = all.Count;
        }
        return all;
    }

    /// <summary>The reader's current row as an object keyed by column name.</summary>
    public JsonObject Current()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        for (var i = 0; i < _columns.Count; i++)
        {
            if (_include?.Invoke(_columns[i]) == false)
                continue;
            _writer.WritePropertyName(_columns[i].Name);
            _values.Write(_writer, _reader, i, _budget);
        }
        _writer.WriteEndObject();
        _writer.Flush();
        _budget?.Add(_buffer.WrittenCount);
        return JsonNode.Parse(_buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>One value (an id from <c>RETURNING</c>, a requested id) as a row of this column would carry it.</summary>
    public static JsonNode? ToJson(StorageProvider provider, ColumnInfo column, object value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
            DbValueWriter.WriteValue(writer, value, provider, column.DeclaredType);
        return JsonNode.Parse(buffer.WrittenSpan);
    }

    public void Dispose() => _writer.Dispose();
}
