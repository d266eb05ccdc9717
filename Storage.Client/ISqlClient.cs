namespace Storage.Client;

/// <summary>
/// <c>db.sql.&lt;plugin&gt;.query</c>: one guarded statement with <c>:name</c> parameters taken from
/// <c>parameters</c>'s public properties (<c>new { since }</c>, names as written) or from an
/// <c>IReadOnlyDictionary&lt;string, object?&gt;</c>. FORBIDDEN for SQL the guardrails refuse,
/// TIMEOUT past the statement limit, RATE_LIMITED over the plugin's rate (retried automatically).
/// </summary>
public interface ISqlClient
{
    /// <summary>The rows of a read, each (de)serialized from its column object as <typeparamref name="T"/>.</summary>
    Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null, CancellationToken cancellationToken = default);

    /// <summary>The whole reply of a read (columns, rows, truncated, elapsed time, plan when <see cref="SqlQueryOptions.Explain"/>).</summary>
    Task<SqlQueryResponse> QueryAsync(string sql, object? parameters = null, SqlQueryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Runs an INSERT/UPDATE/DELETE (<c>allow_write</c>, with a <c>request_id</c>); returns the rows it changed.</summary>
    Task<int> ExecuteAsync(string sql, object? parameters = null, CancellationToken cancellationToken = default);
}
