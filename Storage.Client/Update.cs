using System.Text.Json.Nodes;
using Storage.Client.Internal;

namespace Storage.Client;

/// <summary>
/// A row update that renders the contract's <c>operations</c>: <c>new Update().Inc("plays", 1).Max("best", 42)</c>
/// is <c>{"$inc": {"plays": 1}, "$max": {"best": 42}}</c>. One operator per field (the service refuses
/// a field in two operators). Immutable: each call returns a new update.
/// </summary>
public sealed class Update
{
    private readonly JsonObject _operations;

    /// <summary>An update that changes nothing yet.</summary>
    public Update() => _operations = [];

    private Update(JsonObject operations) => _operations = operations;

    /// <summary>Whether no operator was added.</summary>
    public bool IsEmpty => _operations.Count == 0;

    /// <summary>Sets a column (null where the column allows it).</summary>
    public Update Set(string field, object? value) => With("$set", field, value);

    /// <summary>Adds to a number (NULL counts as 0).</summary>
    public Update Inc(string field, object amount) => With("$inc", field, amount);

    /// <summary>Subtracts from a number.</summary>
    public Update Dec(string field, object amount) => With("$dec", field, amount);

    /// <summary>Keeps the larger value (NULL takes the value).</summary>
    public Update Max(string field, object value) => With("$max", field, value);

    /// <summary>Keeps the smaller value (NULL takes the value).</summary>
    public Update Min(string field, object value) => With("$min", field, value);

    /// <summary>Appends one element to a JSON array column (NULL starts an empty array).</summary>
    public Update Push(string field, object? element) => With("$push", field, element);

    /// <summary>The contract's <c>operations</c> object.</summary>
    public JsonObject ToJson() => (JsonObject)_operations.DeepClone();

    /// <summary>The contract JSON text.</summary>
    public override string ToString() => _operations.ToJsonString();

    private Update With(string op, string field, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(field);
        var operations = (JsonObject)_operations.DeepClone();
        if (operations[op] is not JsonObject fields)
            operations[op] = fields = [];
        fields[field] = WireValues.Node(value);
        return new Update(operations);
    }
}
