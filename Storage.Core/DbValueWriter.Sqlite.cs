using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Storage.Core.Internal;

namespace Storage.Core;

public sealed partial class DbValueWriter
{
    /// <summary>
    /// A SQLite value read from the statement itself: its storage class once, then the number, or the text's
    /// UTF-8 bytes written as they are stored. Through <see cref="SqliteDataReader"/> the same text costs a
    /// check for null, the class again, a UTF-16 string and its transcoding back, with a guarded native call
    /// for each (a search reads 40 values). The JSON is byte for byte the same; text that is not valid UTF-8,
    /// JSON columns and timestamps not in the stored shape take the reader's path, as before.
    /// </summary>
    private void WriteSqlite(Utf8JsonWriter writer, SqliteDataReader reader, sqlite3_stmt statement, int ordinal, ResultBudget? budget)
    {
        var type = raw.sqlite3_column_type(statement, ordinal);
        if (type == raw.SQLITE_NULL)
        {
            writer.WriteNullValue();
            return;
        }
        var start = writer.BytesCommitted + writer.BytesPending;
        var kind = _kinds[ordinal];
        if (type == raw.SQLITE_INTEGER)
        {
            var number = raw.sqlite3_column_int64(statement, ordinal);
            if (kind == DbValueKind.Boolean)
                writer.WriteBooleanValue(number != 0);
            else
                writer.WriteNumberValue(number);
        }
        else if (type == raw.SQLITE_FLOAT)
        {
            WriteValue(writer, raw.sqlite3_column_double(statement, ordinal), kind);
        }
        else if (type == raw.SQLITE_BLOB)
        {
            writer.WriteBase64StringValue(raw.sqlite3_column_blob(statement, ordinal));
        }
        else
        {
            // A TEXT value's blob is its bytes in the file's encoding, UTF-8 (the service creates every file).
            var text = raw.sqlite3_column_blob(statement, ordinal);
            if (kind == DbValueKind.Plain && Utf8.IsValid(text))
                writer.WriteStringValue(text);
            else if (!(kind == DbValueKind.Timestamp && WireTimestamp.TryWrite(writer, text)))
                WriteText(writer, reader.GetString(ordinal), kind);
        }
        budget?.AddValueBytes(writer.BytesCommitted + writer.BytesPending - start);
    }
}
