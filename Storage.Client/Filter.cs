using System.Text.Json.Nodes;
using Storage.Client.Internal;

namespace Storage.Client;

/// <summary>
/// A row filter that renders the contract's JSON: <c>Filter.Eq("author", "MST3K") &amp; Filter.Gte("score", 100)</c>
/// is <c>{"$and": [{"author": {"$eq": "MST3K"}}, {"score": {"$gte": 100}}]}</c>. Values are JSON scalars
/// (strings, numbers, booleans, <see cref="DateTimeOffset"/>, null) or, for <see cref="In"/>, lists of them.
/// </summary>
public sealed class Filter
{
    private readonly JsonObject? _json;

    private Filter(JsonObject? json) => _json = json;

    /// <summary>Every row: the explicit "all" that update and delete require for an unfiltered write.</summary>
    public static Filter All { get; } = new(null);

    /// <summary>Whether this is <see cref="All"/>.</summary>
    public bool IsAll => _json is null;

    /// <summary><paramref name="field"/> equals <paramref name="value"/> (null: IS NULL).</summary>
    public static Filter Eq(string field, object? value) => Op(field, "$eq", value);

    /// <summary>Not equal (null: IS NOT NULL); never matches NULL otherwise.</summary>
    public static Filter Ne(string field, object? value) => Op(field, "$ne", value);

    /// <summary>Greater than.</summary>
    public static Filter Gt(string field, object value) => Op(field, "$gt", value);

    /// <summary>Greater than or equal.</summary>
    public static Filter Gte(string field, object value) => Op(field, "$gte", value);

    /// <summary>Less than.</summary>
    public static Filter Lt(string field, object value) => Op(field, "$lt", value);

    /// <summary>Less than or equal.</summary>
    public static Filter Lte(string field, object value) => Op(field, "$lte", value);

    /// <summary>One of <paramref name="values"/> (at most 1000).</summary>
    public static Filter In<T>(string field, IEnumerable<T> values) => Op(field, "$in", WireValues.List(values));

    /// <summary>None of <paramref name="values"/>.</summary>
    public static Filter NotIn<T>(string field, IEnumerable<T> values) => Op(field, "$nin", WireValues.List(values));

    /// <summary>SQL pattern (<c>%</c>, <c>_</c>, <c>\</c> escapes), case-sensitive.</summary>
    public static Filter Like(string field, string pattern) => Op(field, "$like", pattern);

    /// <summary>SQL pattern, case-insensitive.</summary>
    public static Filter ILike(string field, string pattern) => Op(field, "$ilike", pattern);

    /// <summary>IS NOT NULL (<paramref name="exists"/> true) or IS NULL.</summary>
    public static Filter Exists(string field, bool exists = true) => Op(field, "$exists", exists);

    /// <summary>Both filters.</summary>
    public static Filter operator &(Filter left, Filter right) => Combine("$and", left, right);

    /// <summary>Either filter.</summary>
    public static Filter operator |(Filter left, Filter right) => Combine("$or", left, right);

    /// <summary>Not the filter.</summary>
    public static Filter operator !(Filter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter.IsAll
            ? throw new ArgumentException("Filter.All cannot be negated.", nameof(filter))
            : new Filter(new JsonObject { ["$not"] = filter._json!.DeepClone() });
    }

    /// <summary>Both filters (named form of <c>&amp;</c>).</summary>
    public static Filter BitwiseAnd(Filter left, Filter right) => left & right;

    /// <summary>Either filter (named form of <c>|</c>).</summary>
    public static Filter BitwiseOr(Filter left, Filter right) => left | right;

    /// <summary>Not the filter (named form of <c>!</c>).</summary>
    public static Filter LogicalNot(Filter filter) => !filter;

    /// <summary>The contract JSON (<c>{}</c> for <see cref="All"/>).</summary>
    public JsonObject ToJson() => (JsonObject?)_json?.DeepClone() ?? [];

    /// <summary>The contract JSON text.</summary>
    public override string ToString() => ToJson().ToJsonString();

    private static Filter Op(string field, string op, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(field);
        return new Filter(new JsonObject { [field] = new JsonObject { [op] = WireValues.Node(value) } });
    }

    private static Filter Combine(string op, Filter left, Filter right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.IsAll || right.IsAll)
            return op == "$and" ? (left.IsAll ? right : left) : All;
        var items = new JsonArray();
        foreach (var side in new[] { left, right })
        {
            // (a & b) & c is one $and of three, not nested ones.
            if (side._json!.Count == 1 && side._json[op] is JsonArray same)
                foreach (var item in same)
                    items.Add(item?.DeepClone());
            else
                items.Add(side._json.DeepClone());
        }
        return new Filter(new JsonObject { [op] = items });
    }
}
