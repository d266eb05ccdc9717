using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Storage.Client.Internal;

/// <summary>
/// Filter, update, id and SQL parameter values as JSON: scalars directly (timestamps in the contract's
/// UTC form, so they compare as text on SQLite too), anything else with System.Text.Json's defaults.
/// </summary>
internal static class WireValues
{
    private static readonly JsonSerializerOptions Fallback = StorageClientOptions.DefaultJsonOptions();

    public static JsonNode? Node(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        JsonElement element => JsonSerializer.SerializeToNode(element, ClientJsonContext.Default.JsonElement),
        RowId id => id.HasValue ? JsonSerializer.SerializeToNode(id.Value, ClientJsonContext.Default.JsonElement) : null,
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int number => JsonValue.Create(number),
        long number => JsonValue.Create(number),
        double number => JsonValue.Create(number),
        decimal number => JsonValue.Create(number),
        DateTimeOffset time => JsonValue.Create(UtcTimestampJsonConverter.Format(time)),
        DateTime time => JsonValue.Create(UtcTimestampJsonConverter.Format(time)),
        DateOnly date => JsonValue.Create(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
        Guid guid => JsonValue.Create(guid.ToString("D")),
        IEnumerable list and not IDictionary => List(list.Cast<object?>()),
        _ => JsonSerializer.SerializeToNode(value, value.GetType(), Fallback),
    };

    public static JsonArray List<T>(IEnumerable<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var array = new JsonArray();
        foreach (var value in values)
            array.Add(Node(value));
        return array;
    }

    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    public static JsonElement Element(JsonNode? node) => node is null ? Null : JsonSerializer.SerializeToElement(node, ClientJsonContext.Default.JsonNode);

    /// <summary>SQL parameters from a dictionary or an object's public properties (names as written).</summary>
    public static Dictionary<string, JsonElement>? Parameters(object? parameters)
    {
        switch (parameters)
        {
            case null:
                return null;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                return pairs.ToDictionary(p => p.Key, p => Element(Node(p.Value)), StringComparer.Ordinal);
            case IDictionary dictionary:
                return dictionary.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture)!,
                    k => Element(Node(dictionary[k])), StringComparer.Ordinal);
            default:
                return parameters.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                    .Where(p => p.GetIndexParameters().Length == 0)
                    .ToDictionary(p => p.Name, p => Element(Node(p.GetValue(parameters))), StringComparer.Ordinal);
        }
    }
}
