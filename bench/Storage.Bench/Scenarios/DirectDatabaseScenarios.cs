using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Storage.Core;

namespace Storage.Bench.Scenarios;

/// <summary>
/// Baseline: the database alone, in process, one single-row statement and one commit per operation
/// (SQLite in WAL mode with a connection per worker; Npgsql through its pool).
/// </summary>
internal static class DirectDatabaseScenarios
{
    private const string Upsert = "INSERT INTO bench_kv (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    private const string Get = "SELECT value FROM bench_kv WHERE key = @key";

    public static IEnumerable<Scenario> Create(BenchContext context)
    {
        yield return new SqliteScenario(context, upsert: true);
        yield return new SqliteScenario(context, upsert: false);
        yield return new PostgresScenario(context, upsert: true);
        yield return new PostgresScenario(context, upsert: false);
    }

    private static async Task FillAsync(Func<DbCommand> create, CancellationToken cancellationToken)
    {
        for (var i = 0; i < BenchData.KeyCount; i++)
        {
            await using var command = create();
            await RunAsync(command, upsert: true, i, cancellationToken);
        }
    }

    // One operation exactly as the service's single-row work: an upsert, or a get by key.
    private static async Task RunAsync(DbCommand command, bool upsert, int keyIndex, CancellationToken cancellationToken)
    {
        command.CommandText = upsert ? Upsert : Get;
        command.With("key", BenchData.Key(keyIndex));
        if (upsert)
            await command.With("value", BenchData.ValueText).ExecuteNonQueryAsync(cancellationToken);
        else
            _ = await command.ExecuteScalarAsync(cancellationToken);
    }

    private sealed class SqliteScenario(BenchContext context, bool upsert) : Scenario
    {
        private SqliteConnection[] _connections = [];

        public override string Name => upsert ? "db_upsert" : "db_get";

        public override string Backend => "sqlite";

        public override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
        {
            var file = Path.Combine(context.WorkDirectory, $"direct-{Name}.db");
            _connections = new SqliteConnection[maxConcurrency];
            for (var i = 0; i < maxConcurrency; i++)
            {
                _connections[i] = new SqliteConnection($"Data Source={file};Pooling=False");
                await _connections[i].OpenAsync(cancellationToken);
                await using var pragma = _connections[i].CreateCommand();
                pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var create = _connections[0].CreateCommand())
            {
                create.CommandText = "CREATE TABLE IF NOT EXISTS bench_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID";
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            await FillAsync(_connections[0].CreateCommand, cancellationToken);
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken)
        {
            await using var command = _connections[worker].CreateCommand();
            await RunAsync(command, upsert, KeyIndex(worker, iteration), cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections)
                await connection.DisposeAsync();
        }
    }

    private sealed class PostgresScenario(BenchContext context, bool upsert) : Scenario
    {
        private NpgsqlDataSource? _source;

        public override string Name => upsert ? "db_upsert" : "db_get";

        public override string Backend => "postgres";

        public override async Task SetupAsync(int maxConcurrency, CancellationToken cancellationToken)
        {
            _source = NpgsqlDataSource.Create(context.PostgresConnectionString ?? throw new InvalidOperationException("PostgreSQL is not running."));
            await using (var create = _source.CreateCommand("CREATE TABLE IF NOT EXISTS bench_kv (key text COLLATE \"C\" PRIMARY KEY, value text NOT NULL)"))
                await create.ExecuteNonQueryAsync(cancellationToken);
            await FillAsync(() => _source.CreateCommand(), cancellationToken);
        }

        public override async ValueTask RunOnceAsync(int worker, long iteration, CancellationToken cancellationToken)
        {
            await using var connection = await _source!.OpenConnectionAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            await RunAsync(command, upsert, KeyIndex(worker, iteration), cancellationToken);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_source is not null)
                await _source.DisposeAsync();
        }
    }
}
