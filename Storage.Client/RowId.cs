using System.Text.Json;

namespace Storage.Client;

/// <summary>A row's primary key as the service returned it: a number for <c>serial</c> ids, a string for text or uuid keys.</summary>
public readonly record struct RowId(JsonElement Value)
{
    /// <summary>No id: the table has no single-column primary key.</summary>
    public static RowId None => default;

    /// <summary>Whether there is an id.</summary>
    public bool HasValue => Value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);

    /// <summary>The id as a 64-bit integer; throws <see cref="InvalidOperationException"/> when it is not one.</summary>
    public long ToInt64() => Value.ValueKind == JsonValueKind.Number && Value.TryGetInt64(out var id)
        ? id
        : throw new InvalidOperationException($"The row id {this} is not an integer.");

    /// <summary>The id as text (a string id as is, a number in invariant digits).</summary>
    public string AsString() => Value.ValueKind == JsonValueKind.String ? Value.GetString()! : ToString();

    /// <summary>The id for passing back to <see cref="IRowsClient.GetAsync"/> and friends.</summary>
    public object? ToObject() => Value.ValueKind switch
    {
        JsonValueKind.Number when Value.TryGetInt64(out var id) => id,
        JsonValueKind.Number => Value.GetDouble(),
        JsonValueKind.String => Value.GetString(),
        _ => null,
    };

    /// <summary>The JSON text of the id, or an empty string for none.</summary>
    public override string ToString() => HasValue ? Value.ValueKind == JsonValueKind.String ? Value.GetString()! : Value.GetRawText() : "";

    /// <summary>The id as a 64-bit integer (<see cref="ToInt64"/>).</summary>
    public static implicit operator long(RowId id) => id.ToInt64();

    internal static RowId From(System.Text.Json.Nodes.JsonNode? node) =>
        node is null ? None : new RowId(JsonSerializer.SerializeToElement(node, Internal.ClientJsonContext.Default.JsonNode));
}
