using Storage.Core;

namespace Storage.Tests.Infrastructure;

/// <summary>Every test uses fresh plugin ids, so tests never see each other's data.</summary>
internal static class TestPlugins
{
    public static PluginId New(string prefix = "t") =>
        PluginId.Parse($"{prefix}-{Guid.NewGuid().ToString("N")[..12]}");
}
