using System.Globalization;

namespace Storage.Bench;

/// <summary>Command-line flags: <c>--duration 5 --warmup 1 --concurrency 1,16,64 --only kv,echo --backends sqlite,postgres --repeat 3 --soak 60 --quick --plugins N --fleet N --two-hosts N --spread N --host-arg K=V</c>.</summary>
internal sealed record BenchOptions(double DurationSeconds, double WarmupSeconds, int[] Concurrency, string[] Only, string[] Backends, double SoakSeconds = 0, int Plugins = 0, int FleetPlugins = 0, int Repeat = 3)
{
    /// <summary>Plugins the <c>kv_get_Np</c>, <c>kv_set_Np</c> and <c>row_select_Np</c> cells spread over; 0: none.</summary>
    public int Spread { get; init; } = 1000;

    /// <summary>With <c>--fleet</c>: load pg_stat_statements and print the costliest statements after the run.</summary>
    public bool PostgresStatements { get; init; }

    /// <summary>With <c>--two-hosts N</c>: N plugins through a flow where one host changes what another cached; 0: off.</summary>
    public int TwoHostsPlugins { get; init; }

    /// <summary>Configuration switches added to the cells' service host, e.g. <c>Storage:Sqlite:MaxOpenPlugins=1100</c>.</summary>
    public string[] HostArgs { get; init; } = [];

    public const string Usage = """
        Storage.Bench: the storage service over NATS against its baselines (echo, JetStream KV, direct database).
          --duration S       measured seconds per cell (default 5)
          --warmup S         unmeasured seconds before each cell (default 1)
          --concurrency LIST in-flight requests, comma separated (default 1,16,64)
          --only LIST        scenario name prefixes to run: echo,jetstream,db,kv,row,sql (default all;
                             a prefix matching nothing, e.g. none, runs only the soak)
          --backends LIST    sqlite,postgres (default both)
          --repeat N         rounds at the highest concurrency: every scenario of a backend's group
                             runs once per round, interleaved (A B A B ...); the table and the
                             ratios carry the median and the min-max over rounds (default 3)
          --soak S           after the cells, KV set/get at c=64 for S seconds per backend,
                             sampling the host's RSS every second (default 0: off)
          --plugins N        after the cells, N plugins (kv set + get each) on SQLite with the
                             host under ulimit -n 1024, then a restart over the N files (default 0: off)
          --fleet N          at the end, N plugins at once on a PostgreSQL server with
                             max_connections=100, each: migration, row insert, SQL query,
                             KV set and get (default 0: off)
          --pg-statements    with --fleet: load pg_stat_statements on that server and print the
                             15 statements that took it longest in all
          --spread N         the KV set/get and row select cells again, round-robin over N plugins
                             (kv_get_Np, kv_set_Np, row_select_Np; default 1000, 0: off), each
                             reported next to its single-plugin cell with the ratio and the 0.8x target
          --host-arg K=V     a configuration switch for the cells' service host (repeatable), e.g.
                             Storage:Sqlite:MaxOpenPlugins=1100 to see what the defaults cost
          --two-hosts N      at the end, on PostgreSQL: N plugins one after the other, each
                             migrated, purged and re-created through host A and read through
                             host B right after, once with A alone and once with B beside it;
                             step latencies and stale answers (default 0: off)
          --quick            the KV cells and their baselines only, c=64, 3 s cells, 3 rounds, both
                             backends, no spread: a check after each change (under 3 minutes);
                             later flags override
        """;

    public static BenchOptions? Parse(string[] args)
    {
        var options = new BenchOptions(5, 1, [1, 16, 64], [], ["sqlite", "postgres"]);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--duration" => options with { DurationSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--warmup" => options with { WarmupSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = List(Next()).Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() },
                "--only" => options with { Only = List(Next()) },
                "--backends" => options with { Backends = List(Next()) },
                "--soak" => options with { SoakSeconds = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--plugins" => options with { Plugins = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--fleet" => options with { FleetPlugins = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--repeat" => options with { Repeat = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--spread" => options with { Spread = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--host-arg" => options with { HostArgs = [.. options.HostArgs, "--" + Next().TrimStart('-')] },
                "--two-hosts" => options with { TwoHostsPlugins = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--pg-statements" => options with { PostgresStatements = true },
                "--quick" => options with { Only = ["echo", "jetstream", "db", "kv"], Concurrency = [64], DurationSeconds = 3, WarmupSeconds = 1, Repeat = 3, Spread = 0 },
                "--help" or "-h" => null,
                _ => throw new ArgumentException($"Unknown flag {args[i]}.\n{Usage}"),
            };
            if (options is null)
                return null;
        }
        if (options.DurationSeconds <= 0 || options.WarmupSeconds < 0 || options.SoakSeconds < 0 || options.FleetPlugins < 0 || options.Plugins < 0 || options.Spread < 0 || options.TwoHostsPlugins < 0
            || options.Concurrency.Length == 0 || options.Concurrency.Any(c => c < 1) || options.Repeat < 1)
            throw new ArgumentException($"Durations must be positive, concurrency and repeat at least 1.\n{Usage}");
        return options;
    }

    /// <summary>The concurrency whose cells are repeated and carry the ratios and targets: 64 when run, else the highest.</summary>
    public int TargetConcurrency => Concurrency.Contains(64) ? 64 : Concurrency.Max();

    /// <summary>Rounds of cells at <paramref name="concurrency"/>.</summary>
    public int Rounds(int concurrency) => concurrency == TargetConcurrency ? Repeat : 1;

    public bool Wants(Scenario scenario) =>
        (Only.Length == 0 || Only.Any(o => scenario.Name.StartsWith(o, StringComparison.Ordinal)))
        && (scenario.Backend == "nats" || Backends.Contains(scenario.Backend));

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
