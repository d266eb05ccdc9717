namespace Storage.Client.Internal;

/// <summary>
/// The contract's plugin token rule, checked before a subject is built: a name with <c>.</c>, <c>*</c>,
/// <c>&gt;</c> or spaces would address other subjects (another plugin's, or a wildcard).
/// </summary>
internal static class PluginName
{
    public const string Rule = "^[a-z][a-z0-9_-]{0,62}$";

    public static string Require(string? plugin)
    {
        if (plugin is { Length: >= 1 and <= 63 } && plugin[0] is >= 'a' and <= 'z' && plugin.All(IsAllowed))
            return plugin;
        var shown = plugin is null ? "null" : plugin.Length > 80 ? $"'{plugin[..80]}...' ({plugin.Length} characters)" : $"'{plugin}'";
        throw new StorageException(StorageErrorCode.InvalidRequest,
            $"Plugin name {shown} is not a valid subject token: it must match {Rule} (lower-case letter first, then letters, digits, '_' or '-'; at most 63).",
            new Dictionary<string, object?> { ["field"] = "plugin", ["limit"] = Rule, ["actual"] = plugin });
    }

    private static bool IsAllowed(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-';
}
