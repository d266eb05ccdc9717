using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Host.Endpoints;
using Storage.Host.Nats;

namespace Storage.Host.Admin;

/// <summary>Registration of the admin subjects.</summary>
internal static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<NatsServerLimits>();
        services.TryAddSingleton<AdminService>();
        services.TryAddSingleton<AdminExport>();
        services.TryAddSingleton<AdminImport>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointGroup, AdminEndpoints>());
        return services;
    }
}
