using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Storage.Core;

/// <summary>
/// Counts the bytes of one result while it is read and raises TOO_LARGE (with <c>details.limit_bytes</c>)
/// as soon as they pass the limit, before the rest is read. Sizes are those of the reply on the
/// wire (the serializer's default escaping). Values whose stored size the provider reports before
/// reading them (Npgsql in sequential access) are refused before they are materialized; SQLite
/// values are bounded by <c>Storage:Sqlite:MaxValueBytes</c>.
/// </summary>
public sealed class ResultBudget
{
    // JSON of a non-text value (numbers, arrays, jsonb) can be several times shorter than its stored form.
    private const int NonTextFactor = 8;
    private readonly ArrayBufferWriter<byte> _scratch = new(256);
    private readonly long _configured;
    private readonly string _setting;
    private readonly long _maxPayload;

    internal ResultBudget(long limit, long configured, string setting, long maxPayload)
    {
        LimitBytes = limit;
        _configured = configured;
        _setting = setting;
        _maxPayload = maxPayload;
    }

    /// <summary>The limit in force: the smaller of the configured one and what the transport accepts.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes counted so far.</summary>
    public long UsedBytes { get; private set; }

    /// <summary>Rows counted so far (for the error message).</summary>
    public int Rows { get; set; }

    // Values of the row being written (see DbValueWriter), until the row itself is counted.
    private long _rowBytes;

    /// <summary>Adds <paramref name="bytes"/>; TOO_LARGE when the total passes the limit.</summary>
    public void Add(long bytes)
    {
        _rowBytes = 0;
        UsedBytes += bytes;
        if (UsedBytes > LimitBytes)
            throw TooLarge(UsedBytes);
    }

    /// <summary>Adds the wire size of a JSON node (a row object).</summary>
    public void Add(JsonNode? node)
    {
        _scratch.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_scratch))
        {
            if (node is null)
                writer.WriteNullValue();
            else
                node.WriteTo(writer);
        }
        Add(_scratch.WrittenCount);
    }

    /// <summary>Adds the wire size of the JSON in <paramref name="json"/> (which may be written with relaxed escaping).</summary>
    public void AddJson(ReadOnlyMemory<byte> json)
    {
        _scratch.ResetWrittenCount();
        using (var document = JsonDocument.Parse(json))
        using (var writer = new Utf8JsonWriter(_scratch))
            document.RootElement.WriteTo(writer);
        Add(_scratch.WrittenCount);
    }

    /// <summary>
    /// Counts one value of the row being written, so a row of many large values stops at the value
    /// that passes the limit; the row's own count (<see cref="AddJson"/>, <see cref="Add(long)"/>) replaces these.
    /// </summary>
    internal void AddValueBytes(long bytes)
    {
        _rowBytes += bytes;
        if (UsedBytes + _rowBytes > LimitBytes)
            throw TooLarge(UsedBytes + _rowBytes);
    }

    /// <summary>
    /// Before a value is read: when the provider knows its stored size, TOO_LARGE if that alone
    /// cannot fit what is left, so a 300 MB value is never materialized.
    /// </summary>
    public void CheckStoredValue(DbDataReader reader, int ordinal)
    {
        if (reader is not NpgsqlDataReader npgsql || npgsql.IsDBNull(ordinal))
            return;
        var stored = npgsql.GetBytes(ordinal, 0, null, 0, 0);
        var text = IsText(npgsql.GetDataTypeName(ordinal));
        var atLeast = text ? stored : stored / NonTextFactor;
        if (UsedBytes + _rowBytes + atLeast > LimitBytes)
            throw TooLarge(UsedBytes + _rowBytes + atLeast);
    }

    /// <summary>The TOO_LARGE error for a result of at least <paramref name="actual"/> bytes.</summary>
    public StorageException TooLarge(long actual)
    {
        var reason = LimitBytes < _configured
            ? $"what the NATS server accepts (max_payload {_maxPayload} bytes, less {ReplyLimits.HeadroomBytes} for the rest of the reply; {_setting} is {_configured})"
            : $"{_setting} = {_configured}";
        return new StorageException(StorageErrorCode.TooLarge,
            $"The result is larger than {LimitBytes} bytes (at least {actual} bytes after {Rows} rows), the limit set by {reason}; select fewer rows or columns, or smaller values.",
            new Dictionary<string, object?>
            {
                ["limit_bytes"] = LimitBytes,
                ["limit"] = LimitBytes,
                ["actual"] = actual,
                ["rows_read"] = Rows,
                ["configured_bytes"] = _configured,
                ["setting"] = _setting,
                ["max_payload"] = _maxPayload,
            });
    }

    // Types whose JSON is at least as long as their stored bytes (bytea grows to base64).
    private static bool IsText(string type) => type is "text" or "character varying" or "character" or "name" or "bytea" or "xml" or "citext" or "unknown"
        || type.StartsWith("character", StringComparison.Ordinal);
}
