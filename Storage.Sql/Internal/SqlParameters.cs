using System.Data.Common;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Turns JSON parameter values into provider parameters, in the positions the guard assigned.
/// Values are always bound, never spliced into SQL. On PostgreSQL strings are sent untyped, so the
/// server reads them as it would a literal (into timestamptz, uuid, jsonb ...), and arrays become
/// PostgreSQL arrays; on SQLite arrays are passed as JSON text for <c>json_each</c>.
/// </summary>
internal static class SqlParameters
{
    public static void Bind(DbCommand command, GuardedStatement statement, IReadOnlyDictionary<string, JsonElement>? values, bool postgres)
    {
        for (var i = 0; i < statement.ParameterNames.Count; i++)
        {
            var name = statement.ParameterNames[i];
            if (values is null || !values.TryGetValue(name, out var value))
                throw new StorageException(StorageErrorCode.InvalidRequest,
                    $"Parameter ':{name}' is used in the query but missing from 'params'.",
                    new Dictionary<string, object?> { ["field"] = "params." + name });
            if (postgres)
                command.Parameters.Add(Postgres(name, value));
            else
                command.With("@p" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Sqlite(name, value));
        }
    }

    private static NpgsqlParameter Postgres(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => new NpgsqlParameter { Value = value.GetString(), NpgsqlDbType = NpgsqlDbType.Unknown },
        JsonValueKind.Array => new NpgsqlParameter { Value = PostgresArray(name, value) },
        _ => new NpgsqlParameter { Value = Scalar(name, value) ?? DBNull.Value },
    };

    private static object? Sqlite(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.GetRawText() : Scalar(name, value);

    private static object? Scalar(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
        JsonValueKind.Number when value.TryGetDouble(out var number) => number,
        _ => throw Invalid(name, "a JSON scalar (string, number, boolean, null) or an array of scalars"),
    };

    // One element type per array: all integers -> bigint[], numbers -> float8[], booleans -> bool[], else text[].
    private static object PostgresArray(string name, JsonElement array)
    {
        var items = array.EnumerateArray().ToList();
        if (items.Any(i => i.ValueKind is JsonValueKind.Array or JsonValueKind.Object))
            throw Invalid(name, "an array of scalars (no nested arrays or objects)");
        var present = items.Where(i => i.ValueKind != JsonValueKind.Null).ToList();
        if (present.Count > 0 && present.All(i => i.ValueKind == JsonValueKind.Number && i.TryGetInt64(out _)))
            return items.Select(i => i.ValueKind == JsonValueKind.Null ? (long?)null : i.GetInt64()).ToArray();
        if (present.Count > 0 && present.All(i => i.ValueKind == JsonValueKind.Number))
            return items.Select(i => i.ValueKind == JsonValueKind.Null ? (double?)null : i.GetDouble()).ToArray();
        if (present.Count > 0 && present.All(i => i.ValueKind is JsonValueKind.True or JsonValueKind.False))
            return items.Select(i => i.ValueKind == JsonValueKind.Null ? (bool?)null : i.GetBoolean()).ToArray();
        return items.Select(i => i.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => i.GetString(),
            _ => i.GetRawText(),
        }).ToArray();
    }

    private static StorageException Invalid(string name, string expected) =>
        new(StorageErrorCode.InvalidRequest, $"Parameter '{name}' must be {expected}.",
            new Dictionary<string, object?> { ["field"] = "params." + name });
}
