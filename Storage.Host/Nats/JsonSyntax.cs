using System.Buffers;
using System.Text;
using System.Text.Json;
using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>
/// Where a request body stops being a valid UTF-8 JSON object, for <c>INVALID_JSON</c>'s
/// <c>details.line</c> (counted from 1) and <c>details.position</c> (byte within that line, counted from 0).
/// </summary>
internal static class JsonSyntax
{
    /// <summary>Raises INVALID_JSON at the first byte that is not UTF-8: the parser would let some through (in property names it skips).</summary>
    public static void RequireUtf8(ReadOnlySpan<byte> body)
    {
        if (System.Text.Unicode.Utf8.IsValid(body))
            return;
        var index = 0;
        while (Rune.DecodeFromUtf8(body[index..], out _, out var consumed) == OperationStatus.Done)
            index += consumed;
        var (line, position) = LineAndPosition(body, index);
        throw new StorageException(StorageErrorCode.InvalidJson,
            $"The request body is not valid UTF-8: line {line}, byte {position} of the line.",
            new Dictionary<string, object?> { ["line"] = line, ["position"] = position });
    }

    /// <summary>An INVALID_JSON error with where the parser stopped added to its details (once).</summary>
    public static StorageException WithLocation(StorageException error, ReadOnlySpan<byte> body)
    {
        if (error.Code != StorageErrorCode.InvalidJson || error.Details.ContainsKey("line"))
            return error;
        var (line, position) = Locate(body);
        var details = new Dictionary<string, object?>(error.Details) { ["line"] = line, ["position"] = position };
        return new StorageException(error.Code, $"{error.Message} (line {line}, byte {position} of the line)", details, error.InnerException);
    }

    private static (long Line, long Position) Locate(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read())
                return LineAndPosition(body, body.Length);
            var first = (int)reader.TokenStartIndex;
            if (reader.TokenType != JsonTokenType.StartObject)
                return LineAndPosition(body, first);
            reader.Skip();
            // A second value after the object: the parser stops at its first byte.
            return reader.Read() ? LineAndPosition(body, (int)reader.TokenStartIndex) : LineAndPosition(body, first);
        }
        catch (JsonException ex)
        {
            return ((ex.LineNumber ?? 0) + 1, ex.BytePositionInLine ?? 0);
        }
    }

    private static (long Line, long Position) LineAndPosition(ReadOnlySpan<byte> body, int index)
    {
        var before = body[..Math.Min(index, body.Length)];
        var lastNewline = before.LastIndexOf((byte)'\n');
        return (before.Count((byte)'\n') + 1, index - lastNewline - 1);
    }
}
