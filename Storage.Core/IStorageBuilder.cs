using Microsoft.Extensions.DependencyInjection;

namespace Storage.Core;

/// <summary>Returned by <c>AddPluginStorage</c>; each tier adds itself with an <c>Add{Tier}()</c> extension.</summary>
public interface IStorageBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
