using System.Globalization;
using Storage.Client;
using Storage.Contracts;

namespace QuoteDb;

/// <summary>
/// The quote-db plugin's storage: quotes in a table, a KV counter, per-contributor stats. Every
/// call can raise <see cref="StorageException"/> with the contract's code; writes are retried by the client.
/// </summary>
public sealed class Quotes(IStorageClient storage)
{
    private const string Counter = "quotes_added";

    /// <summary>Applies what is new of <see cref="QuoteMigrations.All"/>; returns the versions applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default) =>
        (await storage.Migrations.ApplyAsync(QuoteMigrations.All, cancellationToken: cancellationToken)).Applied;

    /// <summary>Adds a quote and counts it; three writes, each atomic. Returns the quote's id.</summary>
    public async Task<long> AddAsync(string text, string? author, string addedBy, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        var when = at ?? DateTimeOffset.UtcNow;
        long id = await storage.Rows.InsertAsync("quotes", new Quote(text, author, addedBy, Timestamp: when), cancellationToken);
        // Upsert: a contributor's first quote inserts its row, later ones update it atomically.
        await storage.Rows.UpdateAsync("contributors", addedBy, new Update().Inc("quotes", 1).Max("last_added", when), upsert: true, cancellationToken);
        await storage.Kv.IncrAsync(Counter, cancellationToken: cancellationToken);
        return id;
    }

    /// <summary>Adds many quotes in one transaction (all or none); returns their ids.</summary>
    public async Task<IReadOnlyList<long>> AddManyAsync(IEnumerable<(string Text, string? Author)> quotes, string addedBy, CancellationToken cancellationToken = default)
    {
        var ids = await storage.Rows.InsertManyAsync("quotes", quotes.Select(q => new Quote(q.Text, q.Author, addedBy)), cancellationToken);
        await storage.Kv.IncrAsync(Counter, ids.Count, cancellationToken: cancellationToken);
        return [.. ids.Select(id => (long)id)];
    }

    /// <summary>The KV counter: quotes added so far.</summary>
    public async Task<long> AddedAsync(CancellationToken cancellationToken = default) =>
        (await storage.Kv.GetAsync<long>(Counter, cancellationToken))?.Value ?? 0;

    public Task<Quote?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        storage.Rows.GetAsync<Quote>("quotes", id, cancellationToken);

    /// <summary>Quotes whose text contains <paramref name="word"/> (case-sensitive), newest first.</summary>
    public async Task<IReadOnlyList<Quote>> SearchAsync(string word, int limit = 20, CancellationToken cancellationToken = default)
    {
        var search = new RowSearch { Where = Filter.Like("text", Containing(word)), OrderBy = [Sort.Desc("id")], Limit = limit };
        return (await storage.Rows.SearchAsync<Quote>("quotes", search, cancellationToken)).Rows;
    }

    /// <summary>One random quote, optionally by one author; null when there is none.</summary>
    public async Task<Quote?> RandomAsync(string? author = null, CancellationToken cancellationToken = default)
    {
        var filter = author is null ? Filter.All : Filter.Eq("author", author);
        return (await storage.Rows.SelectAsync<Quote>("quotes", filter, random: 1, cancellationToken)).FirstOrDefault();
    }

    /// <summary>Every quote in id order, fetched <paramref name="pageSize"/> at a time with the search cursor.</summary>
    public IAsyncEnumerable<Quote> AllAsync(int pageSize = 100, CancellationToken cancellationToken = default) =>
        storage.Rows.SearchAllAsync<Quote>("quotes", new RowSearch { OrderBy = [Sort.Asc("id")], Limit = pageSize }, cancellationToken);

    /// <summary>Contributors by quotes added, most first.</summary>
    public async Task<IReadOnlyList<Contributor>> TopContributorsAsync(int limit = 10, CancellationToken cancellationToken = default)
    {
        var search = new RowSearch { OrderBy = [Sort.Desc("quotes"), Sort.Asc("user_id")], Limit = limit };
        return (await storage.Rows.SearchAsync<Contributor>("contributors", search, cancellationToken)).Rows;
    }

    /// <summary>The SQL tier for what rows cannot say: quotes per author since a date.</summary>
    public Task<IReadOnlyList<AuthorCount>> AuthorsSinceAsync(DateTimeOffset since, int limit = 10, CancellationToken cancellationToken = default) =>
        storage.Sql.QueryAsync<AuthorCount>(
            """
            SELECT author, COUNT(*) AS quotes FROM quotes
            WHERE timestamp >= :since AND author IS NOT NULL
            GROUP BY author ORDER BY quotes DESC, author LIMIT :limit
            """,
            new { since = SqlTime(since), limit }, cancellationToken);

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default) =>
        await storage.Rows.DeleteAsync("quotes", id, cancellationToken) == 1;

    /// <summary>A <c>$like</c> pattern matching <paramref name="text"/> literally anywhere.</summary>
    public static string Containing(string text) =>
        "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%";

    // As the row tier stores timestamps on SQLite (UTC, six fraction digits), so text comparison is time order.
    private static string SqlTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
