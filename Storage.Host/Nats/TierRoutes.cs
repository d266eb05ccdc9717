using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>
/// One tier's operations behind its single subscription <c>db.&lt;tier&gt;.*.&gt;</c>. One
/// subscription per tier (not one per operation plus a catch-all) is what lets an unknown
/// operation be answered: NATS hands a message to every matching subscription's queue group, so a
/// catch-all next to <c>db.kv.*.get</c> would receive every get as well and answer it twice.
/// </summary>
internal sealed class TierRoutes
{
    /// <summary>The operation name under which requests for unknown operations are counted (a bounded tag value).</summary>
    public const string UnknownOperation = "(unknown)";

    // The plugin is token 2 and the operation everything after it: "db.kv.<plugin>.<op>".
    private const int OperationTokenIndex = 3;

    // Looked up by a span of the subject: no string is allocated per request to find its operation.
    private readonly Dictionary<string, RequestDispatcher.Endpoint>.AlternateLookup<ReadOnlySpan<char>> _operations;

    public TierRoutes(string tier, IEnumerable<RequestDispatcher.Endpoint> operations, RequestDispatcher.Endpoint unknown)
    {
        Tier = tier;
        _operations = operations.ToDictionary(e => e.Operation, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        Unknown = unknown;
    }

    public string Tier { get; }

    /// <summary>The subject of the tier's one subscription.</summary>
    public string Subject => $"db.{Tier}.*.>";

    /// <summary>The endpoint that answers every operation the tier lacks.</summary>
    public RequestDispatcher.Endpoint Unknown { get; }

    /// <summary>The operation endpoint named by <paramref name="subject"/>, or <see cref="Unknown"/>.</summary>
    public RequestDispatcher.Endpoint Resolve(string subject) =>
        _operations.TryGetValue(OperationText(subject), out var endpoint) ? endpoint : Unknown;

    /// <summary>The INVALID_REQUEST for a subject naming no operation of the tier, listing the valid ones.</summary>
    public static StorageException UnknownOperationError(string tier, string subject, IReadOnlyList<string> operations)
    {
        var operation = OperationText(subject).ToString();
        var suggestion = Suggest.Closest(operation, operations);
        var message = $"'{operation}' is not an operation of the {tier} tier ({subject}). Valid operations: {string.Join(", ", operations)}.{Suggest.Hint(suggestion)}";
        return new StorageException(StorageErrorCode.InvalidRequest, message,
            Suggest.With(new Dictionary<string, object?> { ["operation"] = operation, ["operations"] = operations }, suggestion));
    }

    // Everything after the plugin token, so "db.kv.p.get.x" is the unknown "get.x", not "get".
    private static ReadOnlySpan<char> OperationText(string subject)
    {
        var start = 0;
        for (var i = 0; i < OperationTokenIndex; i++)
        {
            start = subject.IndexOf('.', start) + 1;
            if (start == 0)
                return [];
        }
        return subject.AsSpan(start);
    }
}
