using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Storage.Host.Endpoints;
using Storage.Host.Nats;

namespace Storage.Host.Admin;

/// <summary>Registration of the admin subjects: the admin library's services (Storage.Admin) wired to <c>db.admin.*</c>.</summary>
internal static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddAdminEndpoints(this IServiceCollection services)
    {
        services.TryAddSingleton<NatsServerLimits>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointGroup, AdminEndpoints>());
        return services;
    }
}
