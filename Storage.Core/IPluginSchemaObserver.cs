namespace Storage.Core;

/// <summary>
/// Told when a plugin's tables may have changed (a migration applied or rolled back, data purged),
/// so caches of the plugin's catalog can be dropped. Register implementations as singletons;
/// <see cref="IPluginChangeNotifier"/> calls every one of them, for changes made by this instance
/// and by the other hosts sharing the database.
/// </summary>
public interface IPluginSchemaObserver
{
    /// <summary>Called after the plugin's schema changed; must be cheap and must not throw.</summary>
    void SchemaChanged(PluginId plugin);
}
