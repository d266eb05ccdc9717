using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Reads a result set into the reply's <c>rows</c> (a JSON array of objects), stopping at the row
/// limit (<c>truncated</c>) and failing with TOO_LARGE as soon as the rows pass the byte budget,
/// before the rest is read; a value too large for what is left is refused before it is read
/// (see <see cref="ResultBudget"/>).
/// </summary>
internal sealed class RowWriter(int maxRows, ResultBudget budget)
{
    public ResultBudget Budget { get; } = budget;

    public IReadOnlyList<string> Columns { get; private set; } = [];

    public int RowCount { get; private set; }

    public bool Truncated { get; private set; }

    public async Task<JsonElement> ReadAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        // Relaxed escaping keeps quotes and non-ASCII text readable; the reply is JSON, never HTML.
        await using (var writer = new Utf8JsonWriter(buffer, StorageJson.WriterOptions))
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
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    // The writer puts the separating comma before the object: not part of the row.
                    var rowStart = buffer.WrittenCount + (RowCount > 0 ? 1 : 0);
                    writer.WriteStartObject();
                    for (var i = 0; i < Columns.Count; i++)
                    {
                        writer.WritePropertyName(Columns[i]);
                        values.Write(writer, reader, i, Budget);
                    }
                    writer.WriteEndObject();
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                    // Counted as the reply will carry it: the host's serializer escapes more than this writer does.
                    Budget.AddJson(buffer.WrittenMemory[rowStart..]);
                    RowCount++;
                    Budget.Rows = RowCount;
                }
            }
            writer.WriteEndArray();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

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
