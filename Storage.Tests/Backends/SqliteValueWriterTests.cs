using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Storage.Core;

namespace Storage.Tests.Backends;

/// <summary>
/// <see cref="DbValueWriter"/> reads SQLite values from the statement itself (UTF-8 text copied as stored);
/// what it writes must be byte for byte what the reader's values gave, for every storage class and
/// declared kind, including text that is not valid UTF-8, NULs, characters JSON escapes and timestamps.
/// </summary>
[TestClass]
public sealed class SqliteValueWriterTests
{
    [TestMethod]
    public void Every_value_is_written_as_the_readers_value_would_be()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        Run(connection, "CREATE TABLE v (t TEXT, j JSON, b BOOLEAN, ts TIMESTAMP, r REAL, bl BLOB, i INTEGER, u)");
        string[] values =
        [
            "'plain'", "''", "'ünïcödé'", "'😀 and 中文'", "char(1) || 'x' || char(31)", "'a' || char(0) || 'b'",
            "'<script>&\"''\\/'", "char(8232) || char(8233) || char(127)", "CAST(x'ff61' AS TEXT)", "CAST(x'eda080' AS TEXT)",
            "CAST(x'c3' AS TEXT)", "'2026-11-30T12:00:00.120000Z'", "'2026-11-30T12:00:00.000000Z'", "'2026-11-30T12:00:00Z'",
            "'2026-02-30T00:00:00.000000Z'", "'2026-11-30 12:00:00'", "'2026-11-30T12:00:00.1234567Z'", "'{\"a\": [1, 2]}'",
            "'nope'", "'true'", "1", "0", "2", "-9223372036854775808", "9223372036854775807", "1.5", "-0.0", "1e308 * 10",
            "-(1e308 * 10)", "x'00ff10'", "x''", "NULL", "'" + new string('x', 70_000) + "'",
        ];
        foreach (var value in values)
            Run(connection, $"INSERT INTO v VALUES ({value}, {value}, {value}, {value}, {value}, {value}, {value}, {value})");

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT t, j, b, ts, r, bl, i, u, t || '' FROM v";
        using var reader = command.ExecuteReader();
        var writer = DbValueWriter.For(reader);
        var row = 0;
        while (reader.Read())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var expected = Json(w => DbValueWriter.WriteValue(w, reader.GetValue(i), StorageProvider.Sqlite, reader.GetDataTypeName(i)));
                var actual = Json(w => writer.Write(w, reader, i, null));
                Assert.AreEqual(expected, actual, $"value {values[row][..Math.Min(40, values[row].Length)]} in column {reader.GetName(i)}");
            }
            row++;
        }
        Assert.AreEqual(values.Length, row);
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            write(writer);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
