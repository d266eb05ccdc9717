using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// Writes a search page's <c>rows</c> from the reader straight into the reply: no row objects, nothing
/// parsed and serialized again. Values go through Core's <see cref="DbValueWriter"/> in the reply's own
/// (default) escaping, so each row is counted against the budget at its wire size as it is written.
/// The row past the limit is only stepped onto, to learn that there is more: its values are never read.
/// The last row kept is written first to a scratch buffer together with the sort fields a
/// <c>fields</c> list leaves out, which the <c>next</c> cursor needs (<see cref="LastRow"/>).
/// </summary>
internal sealed class SearchPageWriter(IReadOnlyList<ColumnInfo> columns, bool[] visible, bool[] cursor, int limit, ResultBudget budget)
{
    private readonly ArrayBufferWriter<byte> _scratch = new(256);

    /// <summary>Rows written.</summary>
    public int Count { get; private set; }

    /// <summary>True when there are rows past the limit.</summary>
    public bool Truncated { get; private set; }

    /// <summary>The last row written, with the cursor's columns (set when it is the limit-th row).</summary>
    public JsonElement? LastRow { get; private set; }

    /// <summary>Writes <c>"rows":[...]</c> to <paramref name="writer"/>.</summary>
    public async Task WriteAsync(Utf8JsonWriter writer, DbDataReader reader, CancellationToken cancellationToken)
    {
        var values = DbValueWriter.For(reader);
        writer.WriteStartArray("rows"u8);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Count == limit)
            {
                Truncated = true;
                break;
            }
            // The writer puts the separating comma before the object: not part of the row.
            var start = writer.BytesCommitted + writer.BytesPending + (Count > 0 ? 1 : 0);
            if (Count == limit - 1)
                WriteLastRow(writer, reader, values);
            else
            {
                writer.WriteStartObject();
                for (var i = 0; i < columns.Count; i++)
                {
                    if (!visible[i])
                        continue;
                    writer.WritePropertyName(columns[i].Name);
                    values.Write(writer, reader, i, budget);
                }
                writer.WriteEndObject();
            }
            budget.Add(writer.BytesCommitted + writer.BytesPending - start);
            Count++;
            budget.Rows = Count;
        }
        writer.WriteEndArray();
    }

    // Once per page: the row with the cursor's columns to the scratch buffer, then its visible part to the reply.
    private void WriteLastRow(Utf8JsonWriter writer, DbDataReader reader, DbValueWriter values)
    {
        _scratch.ResetWrittenCount();
        using (var scratch = new Utf8JsonWriter(_scratch))
        {
            scratch.WriteStartObject();
            for (var i = 0; i < columns.Count; i++)
            {
                if (!visible[i] && !cursor[i])
                    continue;
                scratch.WritePropertyName(columns[i].Name);
                values.Write(scratch, reader, i, budget);
            }
            scratch.WriteEndObject();
        }
        var reader2 = new Utf8JsonReader(_scratch.WrittenSpan);
        var row = JsonElement.ParseValue(ref reader2);
        writer.WriteStartObject();
        var index = 0;
        foreach (var property in row.EnumerateObject())
        {
            // Properties come in column order, so the visible ones are matched by walking the columns.
            while (!visible[index] && !cursor[index])
                index++;
            if (visible[index])
                property.WriteTo(writer);
            index++;
        }
        writer.WriteEndObject();
        LastRow = row;
    }
}
