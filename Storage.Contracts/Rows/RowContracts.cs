using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary><c>db.row.&lt;plugin&gt;.insert</c> request: <c>data</c> is one object or a list of objects.</summary>
public sealed record RowInsertRequest(string? Table, JsonElement? Data);

/// <summary>
/// <c>insert</c> reply: <c>id</c> for one object (absent when the table has no single-column primary
/// key), <c>ids</c> for a list; <c>created</c> is true or a count.
/// </summary>
public sealed record RowInsertResponse(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<JsonNode?>? Ids,
    JsonNode Created);

/// <summary><c>db.row.&lt;plugin&gt;.select</c> request: by <c>id</c>, by <c>ids</c>, or by <c>filters</c> (with <c>random</c>).</summary>
public sealed record RowSelectRequest(string? Table, JsonElement? Id = null, JsonElement? Ids = null, JsonElement? Filters = null, int? Random = null);

/// <summary><c>select</c> reply: <c>exists</c>/<c>row</c> for an id, <c>rows</c> otherwise.</summary>
public sealed record RowSelectResponse(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Exists = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Row = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<JsonObject>? Rows = null);

/// <summary><c>db.row.&lt;plugin&gt;.search</c> request; <c>after</c> is a <c>next</c> cursor from an earlier page.</summary>
public sealed record RowSearchRequest(
    string? Table,
    JsonElement? Filters = null,
    JsonElement? Sort = null,
    int? Limit = null,
    int? Offset = null,
    string? After = null,
    IReadOnlyList<string>? Fields = null,
    bool? Count = null);

/// <summary><c>search</c> reply.</summary>
public sealed record RowSearchResponse(
    IReadOnlyList<JsonObject> Rows,
    bool Truncated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Next = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Total = null);

/// <summary><c>db.row.&lt;plugin&gt;.update</c> request.</summary>
public sealed record RowUpdateRequest(
    string? Table,
    JsonElement? Id = null,
    JsonElement? Filters = null,
    JsonElement? Data = null,
    JsonElement? Operations = null,
    bool? Upsert = null,
    bool? All = null);

/// <summary><c>update</c> reply; <c>upserted_id</c> is present when an upsert inserted a row.</summary>
public sealed record RowUpdateResponse(
    long Matched,
    long Updated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? UpsertedId = null);

/// <summary><c>db.row.&lt;plugin&gt;.delete</c> request.</summary>
public sealed record RowDeleteRequest(string? Table, JsonElement? Id = null, JsonElement? Filters = null, bool? All = null);

/// <summary><c>delete</c> reply.</summary>
public sealed record RowDeleteResponse(long Deleted);

/// <summary><c>db.row.&lt;plugin&gt;.describe</c> request: every table, or only <c>table</c>.</summary>
public sealed record RowDescribeRequest(string? Table = null);

/// <summary><c>describe</c> reply: the plugin's tables in name order.</summary>
public sealed record RowDescribeResponse(IReadOnlyList<RowTableDescription> Tables);

/// <summary>One table: its columns in name order and its indexes (primary key indexes left out) in name order.</summary>
public sealed record RowTableDescription(string Name, IReadOnlyList<RowColumnDescription> Columns, IReadOnlyList<RowIndexDescription> Indexes);

/// <summary>
/// One column. <c>type</c> is the portable type the row tier treats it as (<c>serial</c> for an id the
/// database assigns); <c>default</c> is null, a JSON literal, <c>{"function":"now"}</c>, or
/// <c>{"sql": "..."}</c> for any other expression.
/// </summary>
public sealed record RowColumnDescription(string Name, string Type, bool Nullable, bool PrimaryKey, JsonNode? Default);

/// <summary>One index: its name, its columns in index order, and whether it is unique.</summary>
public sealed record RowIndexDescription(string Name, IReadOnlyList<string> Columns, bool Unique);
