using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Storage.Core.Providers;
using Storage.Core;

namespace Storage.Sql.Internal;

/// <summary>
/// Runs one plugin statement: validate the request, take a rate-limit permit, pass the statement
/// guard, then execute on a connection with the plugin's own privileges (read-only unless the
/// request allows writes), time it and record it by fingerprint.
/// </summary>
internal sealed partial class SqlRunner(IPluginDatabase database, SqlRateLimiter limiter, SqlProfiler profiler, IOptions<SqlOptions> options, ReplyLimits replyLimits,
    SqlResultCache cache, PluginWrites writes) : ISqlRunner
{
    private readonly int _maxResultBytes = options.Value.MaxResultBytes;

    public async Task<SqlQueryResponse> QueryAsync(PluginId plugin, SqlQueryRequest request, CancellationToken cancellationToken)
    {
        var (run, response, elapsed, plan) = await RunAsync(plugin, request, forReply: false, cancellationToken).ConfigureAwait(false);
        if (response is not null)
            return response;
        using (run!.Rows)
            return new SqlQueryResponse(run.Rows.Columns, run.Rows.ToElement(), run.RowCount, run.Rows.Truncated, elapsed, plan);
    }

    public async Task WriteQueryAsync(PluginId plugin, SqlQueryRequest request, IBufferWriter<byte> reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var (run, response, elapsed, plan) = await RunAsync(plugin, request, forReply: true, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            // A cached (or cacheable) result is a response already: the serializer writes it.
            using var writer = new Utf8JsonWriter(reply);
            JsonSerializer.Serialize(writer, response, SqlJsonContext.Default.SqlQueryResponse);
            return;
        }
        using (run!.Rows)
            SqlQueryReply.Write(reply, run.Rows, run.RowCount, elapsed, plan);
    }

    // Either the execution, whose rows the caller writes and disposes, or, for a request that opted into
    // the result cache, the response (from the cache, or just stored in it).
    private async Task<(Execution? Run, SqlQueryResponse? Response, double ElapsedMs, JsonElement? Plan)> RunAsync(PluginId plugin, SqlQueryRequest request, bool forReply, CancellationToken cancellationToken)
    {
        var query = ValidateQuery(request.Query);
        var timeoutMs = request.TimeoutMs ?? SqlLimits.DefaultTimeoutMs;
        if (timeoutMs is < 1 or > SqlLimits.MaxTimeoutMs)
            throw StorageException.OutOfRange("timeout_ms", $"between 1 and {SqlLimits.MaxTimeoutMs}", timeoutMs);
        var maxRows = request.MaxRows ?? SqlLimits.DefaultMaxRows;
        if (maxRows is < 1 or > SqlLimits.MaxRows)
            throw StorageException.OutOfRange("max_rows", $"between 1 and {SqlLimits.MaxRows}", maxRows);
        cache.Validate(request);

        limiter.Acquire(plugin);
        var postgres = database.Provider == StorageProvider.Postgres;
        var ownSchema = postgres ? OwnSchema(plugin) : null;
        var statement = StatementGuard.Check(query, postgres, request.AllowWrite == true, ownSchema);
        ParameterLimits.Check(database.Provider, statement.ParameterNames.Count, "params");
        var cacheKey = SqlResultCache.Key(request, statement, maxRows);
        if (cacheKey is not null && cache.Find(plugin, cacheKey) is { } cached)
            return (null, cached, 0, null);
        var version = writes.Version(plugin);
        var budget = replyLimits.Budget(_maxResultBytes, "Sql:MaxResultBytes");
        var run = new Execution(statement, request.Params, timeoutMs, new RowWriter(maxRows, budget, forReply), request.Explain == true);

        var clock = Stopwatch.StartNew();
        try
        {
            var plan = await ProviderErrors.GuardAsync(() => postgres
                ? RunPostgresAsync(plugin, run, cancellationToken)
                : RunSqliteAsync(plugin, run, cancellationToken)).ConfigureAwait(false);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            profiler.Record(plugin, statement.Fingerprint, elapsed, run.Rows.RowCount, null);
            elapsed = Math.Round(elapsed, 3);
            if (cacheKey is null)
                return (run, null, elapsed, plan);
            using (run.Rows)
            {
                var response = new SqlQueryResponse(run.Rows.Columns, run.Rows.ToElement(), run.RowCount, run.Rows.Truncated, elapsed, plan);
                cache.Store(plugin, cacheKey, response, version, request.CacheMs!.Value, budget.UsedBytes);
                return (null, response, elapsed, plan);
            }
        }
        catch (StorageException ex)
        {
            profiler.Record(plugin, statement.Fingerprint, clock.Elapsed.TotalMilliseconds, run.Rows.RowCount, ex.Code);
            run.Rows.Dispose();
            throw;
        }
        catch
        {
            run.Rows.Dispose();
            throw;
        }
        finally
        {
            // Whether it committed or not, results cached before it may be stale now.
            if (statement.IsWrite)
                writes.Written(plugin);
        }
    }

    public SqlStatsResponse Stats(PluginId plugin) => profiler.Stats(plugin);

    private static string ValidateQuery(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
            throw StorageException.InvalidField("query", "Field 'query' is required: one SQL statement.");
        var bytes = Encoding.UTF8.GetByteCount(query);
        if (bytes > SqlLimits.MaxQueryBytes)
            throw StorageException.OutOfRange("query", $"at most {SqlLimits.MaxQueryBytes} bytes (UTF-8)", $"{bytes} bytes", StorageErrorCode.TooLarge);
        return query;
    }

    private static string OwnSchema(PluginId plugin) => PostgresNames.Schema(plugin);

    /// <summary>The state of one statement's execution, filled in by the provider-specific runner.</summary>
    private sealed class Execution(GuardedStatement statement, IReadOnlyDictionary<string, JsonElement>? parameters, int timeoutMs, RowWriter rows, bool explain)
    {
        public GuardedStatement Statement { get; } = statement;

        public IReadOnlyDictionary<string, JsonElement>? Parameters { get; } = parameters;

        public int TimeoutMs { get; } = timeoutMs;

        public RowWriter Rows { get; } = rows;

        public bool Explain { get; } = explain;

        public int Affected { get; set; }

        /// <summary>Rows returned, or for a write without a result set the rows it changed.</summary>
        public int RowCount => Rows.Columns.Count == 0 && Statement.IsWrite ? Affected : Rows.RowCount;
    }
}
