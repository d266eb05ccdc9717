namespace Storage.Client.Internal;

/// <summary>
/// The contract's plugin token rule (<see cref="PluginId"/>), checked before a subject is built: a name
/// with <c>.</c>, <c>*</c>, <c>&gt;</c> or spaces would address other subjects (another plugin's, or a
/// wildcard), so it is INVALID_REQUEST here and nothing is sent.
/// </summary>
internal static class PluginName
{
    public static string Require(string? plugin) => PluginId.Parse(plugin).Value;
}
