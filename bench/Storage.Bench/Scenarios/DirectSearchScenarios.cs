using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Storage.Bench.Infrastructure;
using Storage.Core;

namespace Storage.Bench.Scenarios;

/// <summary>
/// Baseline for <c>row_search</c>: the database alone, in process, running the statement the row tier
/// runs for it (a player's last 10 rounds, 11 rows asked) on the service's own copy of the trivia data
/// set, every value read, no NATS and no JSON. <c>db_search</c> shares 4 connections among the callers,
/// as many as one plugin may hold (<c>MaxConnectionsPerPlugin</c>); <c>db_search_64c</c> gives every
/// caller its own. Side by side they separate what the service adds from what the per-plugin cap
/// and the database themselves cost.
/// </summary>
internal static class DirectSearchScenarios
{
    private const int PluginCap = 4;

    public static IEnumerable<Scenario> Create(BenchContext context, string backend)
    {
        yield return new SearchScenario(context, backend, PluginCap);
        yield return new SearchScenario(context, backend, connections: null);
    }

    private sealed class SearchScenario(BenchContext context, string backend, int? connections) : ServiceScenario(context, backend)
    {
        private readonly ConcurrentQueue<DbConnection> _idle = new();
        private readonly List<DbConnection> _all = [];
        private SemaphoreSlim? _free;

        public override string Name => connections is null ? "db_search_64c" : "db_search";

        protected override async Task PrepareAsync(CancellationToken cancellationToken)
        {
            await DatasetAsync(cancellationToken); // written through the service, as row_search reads it
            var count = connections ?? 64;
            for (var i = 0; i < count; i++)
            {
                DbConnection connection = Backend == "postgres"
                    ? new NpgsqlConnection($"{Context.PostgresConnectionString};Pooling=false;Search Path=plugin_{ServiceHost.Plugin}")
                    : new SqliteConnection($"Data Source={Path.Combine(Context.WorkDirectory, "service-sqlite", ServiceHost.Plugin + ".db")};Mode=ReadOnly;Pooling=False");
                await connection.OpenAsync(cancellationToken);
                _all.Add(connection);
                _idle.Enqueue(connection);
            }
            _free = new SemaphoreSlim(count);
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken)
        {
            await _free!.WaitAsync(cancellationToken);
            _idle.TryDequeue(out var connection);
            try
            {
                await using var command = connection!.CreateCommand();
                command.CommandText = """SELECT "id", "user_id", "result", "timestamp" FROM trivia_rounds WHERE "user_id" = @user ORDER BY "timestamp" DESC, "id" DESC LIMIT 11""";
                command.With("user", TriviaDataset.Player(KeyIndex(worker, iteration)));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var values = new object[4];
                while (await reader.ReadAsync(cancellationToken))
                    reader.GetValues(values);
            }
            finally
            {
                _idle.Enqueue(connection!);
                _free.Release();
            }
        }

        public override async ValueTask DisposeAsync()
        {
            foreach (var connection in _all)
                await connection.DisposeAsync();
            _free?.Dispose();
            await base.DisposeAsync();
        }
    }
}
