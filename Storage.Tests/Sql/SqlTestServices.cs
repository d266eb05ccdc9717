using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Storage.Core;
using Storage.Kv;
using Storage.Sql;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Sql;

/// <summary>A private service provider with its own SQL options, so tight limits never touch the shared test backends.</summary>
internal static class SqlTestServices
{
    public static ServiceProvider Build(string backend, Action<SqlOptions> configure, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (logs is not null)
                logging.AddProvider(logs);
        });
        services.AddPluginStorage(options => TestBackends.Configure(backend, options)).AddKv().AddSql(configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
