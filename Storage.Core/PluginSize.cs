namespace Storage.Core;

/// <summary>
/// What <see cref="IPluginDatabase.MeasureAsync"/> found: the bytes it could measure and the
/// relations it could not (locked by the plugin at that moment, so their size is left out).
/// </summary>
public sealed record PluginSize(long Bytes, IReadOnlyList<string> Unmeasured);
