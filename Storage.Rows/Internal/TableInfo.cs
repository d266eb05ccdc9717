using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>A plugin table: its columns in declaration order and its single-column primary key, if any.</summary>
internal sealed class TableInfo
{
    private readonly Dictionary<string, ColumnInfo> _byName;

    public TableInfo(string name, IReadOnlyList<ColumnInfo> columns, string? primaryKey)
    {
        Name = name;
        Columns = columns;
        _byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        Key = primaryKey is null ? null : _byName[primaryKey];
    }

    public string Name { get; }

    public IReadOnlyList<ColumnInfo> Columns { get; }

    /// <summary>The row id column (the single-column primary key), or null when the table has none.</summary>
    public ColumnInfo? Key { get; }

    public bool TryGetColumn(string name, out ColumnInfo column) => _byName.TryGetValue(name, out column!);

    /// <summary>The column named in a request; INVALID_REQUEST naming the field when the table has no such column.</summary>
    public ColumnInfo Column(string name, string field)
    {
        if (_byName.TryGetValue(name, out var column))
            return column;
        var suggestion = Suggest.Closest(name, _byName.Keys);
        throw new StorageException(StorageErrorCode.InvalidRequest,
            $"Field '{field}': table '{Name}' has no column '{Shorten(name)}'.{Suggest.Hint(suggestion)}",
            Suggest.With(new Dictionary<string, object?> { ["field"] = field, ["table"] = Name, ["column"] = Shorten(name) }, suggestion));
    }

    /// <summary>The id column; INVALID_REQUEST when the table has no single-column primary key.</summary>
    public ColumnInfo RequireKey(string field) =>
        Key ?? throw new StorageException(StorageErrorCode.InvalidRequest,
            $"Field '{field}': table '{Name}' has no single-column primary key, so rows have no id; use filters.",
            new Dictionary<string, object?> { ["field"] = field, ["table"] = Name });

    internal static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
