using System.Text.Json;

namespace Storage.Rows.Internal;

/// <summary>One field's change in an update: <c>$set $inc $dec $max $min $push</c> and its value.</summary>
internal sealed record UpdateOperation(ColumnInfo Column, string Operator, JsonElement Value, string Path);
