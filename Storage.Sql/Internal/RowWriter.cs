using System.Data.Common;
using System.Text.Json;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Reads a result set into the reply's <c>rows</c> (a JSON array of objects), stopping at the row
/// limit (<c>truncated</c>) and failing with TOO_LARGE as soon as the rows pass the byte budget,
/// before the rest is read; a value too large for what is left is refused before it is read
/// (see <see cref="ResultBudget"/>). For a reply (<paramref name="forReply"/>) the rows are written
/// once, as the reply carries them (the serializer's default escaping), into a pooled buffer the reply
/// copies as it is (<see cref="Json"/>): each row's bytes are its wire size, nothing is parsed again.
/// Embedded callers get an element (<see cref="ToElement"/>) written with relaxed escaping (readable
/// text), each row counted at the size the reply would have.
/// </summary>
internal sealed class RowWriter(int maxRows, ResultBudget budget, bool forReply) : IDisposable
{
    private readonly PooledBufferWriter _buffer = new(1024);

    public ResultBudget Budget { get; } = budget;

    public IReadOnlyList<string> Columns { get; private set; } = [];

    public int RowCount { get; private set; }

    public bool Truncated { get; private set; }

    /// <summary>The <c>rows</c> array written by <see cref="ReadAsync"/>: valid until disposed.</summary>
    public ReadOnlySpan<byte> Json => _buffer.WrittenSpan;

    /// <summary>The rows as an element of their own (a copy), for callers that want the reply object.</summary>
    public JsonElement ToElement()
    {
        var reader = new Utf8JsonReader(_buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    public async Task ReadAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var buffer = _buffer;
        buffer.Reset();
        // For a reply, default options: the reply's own escaping, so what is counted here is what is sent.
        await using (var writer = new Utf8JsonWriter(buffer, forReply ? default : StorageJson.WriterOptions))
        {
            writer.WriteStartArray();
            if (reader.FieldCount > 0)
            {
                Columns = UniqueNames(reader);
                Budget.Add(Columns.Sum(c => c.Length + 3L));
                var values = DbValueWriter.For(reader);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (RowCount == maxRows)
                    {
                        Truncated = true;
                        break;
                    }
                    writer.Flush();
                    // The writer puts the separating comma before the object: not part of the row.
                    var rowStart = buffer.WrittenCount + (RowCount > 0 ? 1 : 0);
                    writer.WriteStartObject();
                    for (var i = 0; i < Columns.Count; i++)
                    {
                        writer.WritePropertyName(Columns[i]);
                        values.Write(writer, reader, i, Budget);
                    }
                    writer.WriteEndObject();
                    writer.Flush();
                    if (forReply)
                        Budget.Add(buffer.WrittenCount - rowStart);
                    else
                        Budget.AddJson(buffer.WrittenMemory[rowStart..]);
                    RowCount++;
                    Budget.Rows = RowCount;
                }
            }
            writer.WriteEndArray();
        }
    }

    public void Dispose() => _buffer.Dispose();

    // Two columns with one name would make an ambiguous JSON object: later ones get a _2, _3 ... suffix.
    private static List<string> UniqueNames(DbDataReader reader)
    {
        var names = new List<string>(reader.FieldCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var name = reader.GetName(i);
            var unique = name;
            for (var n = 2; !seen.Add(unique); n++)
                unique = $"{name}_{n}";
            names.Add(unique);
        }
        return names;
    }
}
