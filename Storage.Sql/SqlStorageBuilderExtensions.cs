using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Storage.Core;
using Storage.Sql.Internal;

namespace Storage.Sql;

/// <summary>Registration of the SQL tier.</summary>
public static class SqlStorageBuilderExtensions
{
    /// <summary>Adds <see cref="ISqlRunner"/> with its rate limiter and profiler; options are validated at start.</summary>
    public static IStorageBuilder AddSql(this IStorageBuilder builder, Action<SqlOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<SqlOptions>()
            .ValidateDataAnnotations()
            .Validate(o => o.PerPlugin.All(p => p.Key.Length > 0 && Valid(p.Value)),
                "Sql:PerPlugin entries need a plugin name (or a prefix ending in '*'), PermitsPerSecond in 1..1000000 and Burst in 1..10000000.")
            .ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);
        builder.Services.TryAddSingleton<SqlRateLimiter>();
        builder.Services.TryAddSingleton<SqlProfiler>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPluginLifecycleObserver, SqlProfiler>(sp => sp.GetRequiredService<SqlProfiler>()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<SqlResultCache>();
        builder.Services.TryAddSingleton<ISqlRunner, SqlRunner>();
        return builder;
    }

    /// <summary>Adds the SQL tier with options bound from <paramref name="section"/> (the <c>Sql</c> section).</summary>
    public static IStorageBuilder AddSql(this IStorageBuilder builder, IConfiguration section)
    {
        builder.AddSql();
        builder.Services.AddOptions<SqlOptions>().Bind(section);
        return builder;
    }

    private static bool Valid(SqlRateLimitOptions limit) =>
        limit.PermitsPerSecond is >= 1 and <= 1_000_000 && limit.Burst is >= 1 and <= 10_000_000;
}
