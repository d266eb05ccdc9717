using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Storage.Core;
using Storage.Admin;
using Storage.Host.Admin;
using Storage.Host.Endpoints;
using Storage.Host.Nats;
using Storage.Host.Observability;
using Storage.Kv;
using Storage.Rows;
using Storage.Migrations;
using Storage.Sql;

namespace Storage.Host;

/// <summary>Builds the service host; used by <c>Program</c> and by the end-to-end tests in process.</summary>
internal static class StorageHostBuilder
{
    public static HostApplicationBuilder Create(string[] args)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddPluginStorage(builder.Configuration.GetSection("Storage"))
            .AddKv(builder.Configuration.GetSection("Kv"))
            .AddRows(builder.Configuration.GetSection("Rows"))
            .AddMigrations(builder.Configuration.GetSection("Migrations"))
            .AddSql(builder.Configuration.GetSection("Sql"))
            .AddAdmin();
        AddNats(builder.Services, builder.Configuration.GetSection("Nats"));
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection("RateLimits"))
            .Validate(o => o.IsValid(), "RateLimits:Kv, :Rows and :Migrations need PermitsPerSecond in 1..1000000 and Burst in 1..10000000.")
            .ValidateOnStart();
        builder.Services.AddOptions<AdminOptions>().Bind(builder.Configuration.GetSection("Admin"));
        builder.Services.AddStorageTelemetry(builder.Configuration.GetSection("Telemetry"));
        return builder;
    }

    private static void AddNats(IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<NatsOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdempotencyCache>();
        services.TryAddSingleton<RequestAdmission>();
        services.TryAddSingleton<TierRateLimiter>();
        services.TryAddSingleton<UnansweredRequests>();
        services.TryAddSingleton<DroppedRequests>();
        services.TryAddSingleton<RequestDispatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointGroup, KvEndpoints>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointGroup, RowEndpoints>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointGroup, MigrationEndpoints>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointGroup, SqlEndpoints>());
        services.AddAdminEndpoints();
        services.AddHostedService<StorageService>();
    }
}
