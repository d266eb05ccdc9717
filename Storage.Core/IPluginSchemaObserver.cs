namespace Storage.Core;

/// <summary>
/// Told when a plugin's tables may have changed (a migration applied or rolled back, data purged),
/// so caches of the plugin's catalog can be dropped. Register implementations as singletons;
/// the migrations tier calls every one of them.
/// </summary>
public interface IPluginSchemaObserver
{
    /// <summary>Called after the plugin's schema changed; must be cheap and must not throw.</summary>
    void SchemaChanged(PluginId plugin);
}
