using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Storage.Core.Internal;

namespace Storage.Core;

/// <summary>
/// The one mapping from database values to JSON that every tier uses (rows, SQL, export), so one
/// column reads the same everywhere; the table is in docs/sql.md ("Values"). Created once per
/// result set (it reads each column's type once); values are written straight to a
/// <see cref="Utf8JsonWriter"/> and counted against a <see cref="ResultBudget"/>, so a value that
/// cannot fit what is left is refused before it is read.
/// </summary>
public sealed partial class DbValueWriter
{
    private readonly DbValueKind[] _kinds;
    private readonly bool[] _arrays;

    private DbValueWriter(DbValueKind[] kinds, bool[] arrays)
    {
        _kinds = kinds;
        _arrays = arrays;
    }

    /// <summary>A writer for the columns of <paramref name="reader"/>'s current result set.</summary>
    public static DbValueWriter For(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var kinds = new DbValueKind[reader.FieldCount];
        var arrays = new bool[reader.FieldCount];
        for (var i = 0; i < kinds.Length; i++)
        {
            kinds[i] = DbValueKinds.Of(reader, i);
            arrays[i] = reader is NpgsqlDataReader npgsql && npgsql.GetPostgresType(i) is Npgsql.PostgresTypes.PostgresArrayType;
        }
        return new DbValueWriter(kinds, arrays);
    }

    /// <summary>
    /// Writes column <paramref name="ordinal"/> of the current row. TOO_LARGE when the value cannot
    /// fit <paramref name="budget"/> (checked before reading where the provider knows the stored
    /// size, and after writing); INVALID_REQUEST naming the column for a type that has no JSON form.
    /// A null <paramref name="budget"/> counts nothing (a caller that bounds its whole output itself).
    /// </summary>
    public void Write(Utf8JsonWriter writer, DbDataReader reader, int ordinal, ResultBudget? budget)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(reader);
        if (reader is SqliteDataReader { Handle: { } statement })
        {
            WriteSqlite(writer, (SqliteDataReader)reader, statement, ordinal, budget);
            return;
        }
        if (reader.IsDBNull(ordinal))
        {
            writer.WriteNullValue();
            return;
        }
        budget?.CheckStoredValue(reader, ordinal);
        var start = writer.BytesCommitted + writer.BytesPending;
        var kind = _kinds[ordinal];
        try
        {
            if (kind == DbValueKind.Numeric && !_arrays[ordinal])
                WriteNumeric(writer, reader, ordinal);
            else if (kind == DbValueKind.Interval)
                WriteValue(writer, _arrays[ordinal] ? reader.GetFieldValue<NpgsqlInterval?[]>(ordinal) : reader.GetFieldValue<NpgsqlInterval>(ordinal), kind);
            else
                WriteValue(writer, reader.GetValue(ordinal), kind);
        }
        catch (Exception ex) when (ex is InvalidCastException or NotSupportedException or OverflowException)
        {
            var type = reader.GetDataTypeName(ordinal);
            throw new StorageException(StorageErrorCode.InvalidRequest,
                $"Column '{reader.GetName(ordinal)}' has type '{type}', which cannot be returned as JSON; read it through SQL cast to text.",
                new Dictionary<string, object?> { ["column"] = reader.GetName(ordinal), ["type"] = type }, ex);
        }
        budget?.AddValueBytes(writer.BytesCommitted + writer.BytesPending - start);
    }

    /// <summary>
    /// Writes a value the provider already returned (an id from <c>RETURNING</c>, a bound parameter)
    /// as <see cref="Write"/> would for a column of <paramref name="declaredType"/> (the database's
    /// spelling: PostgreSQL <c>format_type</c>, SQLite's declared type).
    /// </summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value, StorageProvider provider, string declaredType)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var kind = provider == StorageProvider.Postgres
            ? declaredType is "json" or "jsonb" ? DbValueKind.Json : DbValueKind.Plain
            : DbValueKinds.Sqlite(declaredType);
        WriteValue(writer, value, kind);
    }

    private static void WriteNumeric(Utf8JsonWriter writer, DbDataReader reader, int ordinal)
    {
        // numeric is at most a few kilobytes on the wire (1000 digits); the budget has seen its size.
        var wire = new byte[reader.GetBytes(ordinal, 0, null, 0, 0)];
        reader.GetBytes(ordinal, 0, wire, 0, wire.Length);
        var text = PostgresWireValues.Numeric(wire, out var isNumber);
        if (isNumber)
            writer.WriteRawValue(text, skipInputValidation: true);
        else
            writer.WriteStringValue(text);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value, DbValueKind kind)
    {
        switch (value)
        {
            case null or DBNull: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case long l when kind == DbValueKind.Boolean: writer.WriteBooleanValue(l != 0); break;
            case long l: writer.WriteNumberValue(l); break;
            case int i: writer.WriteNumberValue(i); break;
            case short s: writer.WriteNumberValue(s); break;
            case byte by: writer.WriteNumberValue(by); break;
            case sbyte sb: writer.WriteNumberValue(sb); break;
            case uint ui: writer.WriteNumberValue(ui); break;
            case ulong ul: writer.WriteNumberValue(ul); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
            case double or float: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case string text: WriteText(writer, text, kind); break;
            case char c: writer.WriteStringValue(c.ToString()); break;
            case byte[] bytes: writer.WriteBase64StringValue(bytes); break;
            case Guid guid: writer.WriteStringValue(guid.ToString("D")); break;
            case DateTime time: writer.WriteStringValue(UtcTimestampJsonConverter.Format(time)); break;
            case DateTimeOffset time when kind == DbValueKind.TimeWithZone:
                writer.WriteStringValue(time.ToString("HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset time: writer.WriteStringValue(UtcTimestampJsonConverter.Format(time)); break;
            case DateOnly day: writer.WriteStringValue(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case TimeOnly time: writer.WriteStringValue(time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)); break;
            case NpgsqlInterval interval: writer.WriteStringValue(PostgresWireValues.Duration(interval)); break;
            case TimeSpan span: writer.WriteStringValue(PostgresWireValues.Duration(new NpgsqlInterval(0, span.Days, (span - TimeSpan.FromDays(span.Days)).Ticks / 10))); break;
            case Array array: WriteArray(writer, array, new int[array.Rank], 0, kind); break;
            case IDictionary map: WriteObject(writer, map, kind); break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                    WriteValue(writer, item, kind);
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static void WriteText(Utf8JsonWriter writer, string text, DbValueKind kind)
    {
        // SQLite does not enforce a declared JSON type: text that is not JSON stays text.
        if (kind == DbValueKind.Json && JsonText.TryCopy(text, writer))
            return;
        if (kind == DbValueKind.Timestamp && WireTimestamp.TryWrite(writer, text))
            return;
        if (kind == DbValueKind.Timestamp && UtcTimestampJsonConverter.TryParse(text) is { } time)
            writer.WriteStringValue(UtcTimestampJsonConverter.Format(time));
        else
            writer.WriteStringValue(text);
    }

    // A multi-dimensional PostgreSQL array ({{1,2},{3,4}}) becomes nested JSON arrays, not one flat list.
    private static void WriteArray(Utf8JsonWriter writer, Array array, int[] indices, int dimension, DbValueKind kind)
    {
        writer.WriteStartArray();
        var lower = array.GetLowerBound(dimension);
        for (var i = lower; i <= array.GetUpperBound(dimension); i++)
        {
            indices[dimension] = i;
            if (dimension == array.Rank - 1)
                WriteValue(writer, array.GetValue(indices), kind);
            else
                WriteArray(writer, array, indices, dimension + 1, kind);
        }
        writer.WriteEndArray();
    }

    private static void WriteObject(Utf8JsonWriter writer, IDictionary map, DbValueKind kind)
    {
        writer.WriteStartObject();
        foreach (DictionaryEntry entry in map)
        {
            writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
            WriteValue(writer, entry.Value, kind);
        }
        writer.WriteEndObject();
    }
}
