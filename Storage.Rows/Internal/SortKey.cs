namespace Storage.Rows.Internal;

/// <summary>One sort field; NULL sorts as the smallest value on both backends.</summary>
internal sealed record SortKey(ColumnInfo Column, bool Descending)
{
    public string OrderBy => Descending ? $"{Column.Sql} DESC NULLS LAST" : $"{Column.Sql} ASC NULLS FIRST";

    public string Spec => Column.Name + (Descending ? ":desc" : ":asc");
}
