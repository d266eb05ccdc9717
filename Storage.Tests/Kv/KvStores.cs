using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Kv;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Kv;

/// <summary>A KV tier of its own with a hand-moved clock, for TTL and sweeper tests. Dispose it at the end of the test.</summary>
internal sealed class KvStores : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public KvStores(string backend, Action<KvOptions>? configure = null, Action<StorageOptions>? storage = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        // Registered before AddKv, whose TryAdd then keeps this clock.
        services.AddSingleton<TimeProvider>(Clock);
        services.AddPluginStorage(options =>
        {
            TestBackends.Configure(backend, options);
            storage?.Invoke(options);
        }).AddKv(configure);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public ManualClock Clock { get; } = new();

    public IKvStore Store => _provider.GetRequiredService<IKvStore>();

    public IPluginDatabase Database => _provider.GetRequiredService<IPluginDatabase>();

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
