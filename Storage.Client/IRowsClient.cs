namespace Storage.Client;

/// <summary>
/// <c>db.row.&lt;plugin&gt;.*</c> on the plugin's own tables. Objects are written and read with
/// <see cref="StorageClientOptions.JsonSerializerOptions"/> (snake_case columns by default; leave a
/// database-assigned id null, e.g. <c>long? Id</c>, so it is not sent). Unknown table: NOT_FOUND;
/// unknown column or wrong type: INVALID_REQUEST; unique violation: CONFLICT.
/// </summary>
public interface IRowsClient
{
    /// <summary>Inserts one row; returns its id (<see cref="RowId.None"/> when the table has no single-column primary key).</summary>
    Task<RowId> InsertAsync<T>(string table, T row, CancellationToken cancellationToken = default);

    /// <summary>Inserts 1..1000 rows in one transaction (all or none); returns their ids in order.</summary>
    Task<IReadOnlyList<RowId>> InsertManyAsync<T>(string table, IEnumerable<T> rows, CancellationToken cancellationToken = default);

    /// <summary>The row with primary key <paramref name="id"/>, or null.</summary>
    Task<T?> GetAsync<T>(string table, object id, CancellationToken cancellationToken = default);

    /// <summary>The rows with these ids (1..1000) in the order asked; missing ids are left out.</summary>
    Task<IReadOnlyList<T>> GetManyAsync<T>(string table, IEnumerable<object> ids, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every row matching <paramref name="filter"/>, ordered by id, at most 1000 (more is
    /// INVALID_REQUEST: use <see cref="SearchAsync"/>); with <paramref name="random"/>, that many random matching rows.
    /// </summary>
    Task<IReadOnlyList<T>> SelectAsync<T>(string table, Filter filter, int? random = null, CancellationToken cancellationToken = default);

    /// <summary>One page of a search; pass <see cref="RowPage{T}.Next"/> as <see cref="RowSearch.After"/> for the next.</summary>
    Task<RowPage<T>> SearchAsync<T>(string table, RowSearch? search = null, CancellationToken cancellationToken = default);

    /// <summary>Every matching row, page after page (keyset paging with <c>next</c>), from <paramref name="search"/>'s first page on.</summary>
    IAsyncEnumerable<T> SearchAllAsync<T>(string table, RowSearch? search = null, CancellationToken cancellationToken = default);

    /// <summary>Updates the row with primary key <paramref name="id"/> (with <paramref name="upsert"/>: inserts it when missing).</summary>
    Task<RowUpdateResponse> UpdateAsync(string table, object id, Update update, bool upsert = false, CancellationToken cancellationToken = default);

    /// <summary>Updates every row matching <paramref name="filter"/> (<see cref="Filter.All"/> for all rows) atomically; with <paramref name="upsert"/>, inserts one when none matches.</summary>
    Task<RowUpdateResponse> UpdateAsync(string table, Filter filter, Update update, bool upsert = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes the row with primary key <paramref name="id"/>; returns 0 or 1.</summary>
    Task<long> DeleteAsync(string table, object id, CancellationToken cancellationToken = default);

    /// <summary>Deletes every row matching <paramref name="filter"/> (<see cref="Filter.All"/> for all rows); returns how many.</summary>
    Task<long> DeleteAsync(string table, Filter filter, CancellationToken cancellationToken = default);

    /// <summary>The plugin's tables (or only <paramref name="table"/>) with their columns and indexes.</summary>
    Task<RowDescribeResponse> DescribeAsync(string? table = null, CancellationToken cancellationToken = default);
}
