namespace Storage.Core;

/// <summary>What changed about a plugin, which decides how much cached state is dropped.</summary>
public enum PluginChange
{
    /// <summary>Its tables may have changed (a migration applied or rolled back): catalog caches go.</summary>
    Schema,
    /// <summary>All of its data is gone (a purge): everything held about it goes, its role and connections included.</summary>
    Purge,
}
