using System.Security.Cryptography;
using System.Text;

namespace Storage.Core.Providers;

/// <summary>
/// Names of a plugin's PostgreSQL schema and role: <c>plugin_&lt;id&gt;</c>. PostgreSQL cuts identifiers at
/// 63 bytes, so a longer name keeps its start and ends in <c>#</c> plus a hash; plugin ids cannot
/// contain <c>#</c>, so a shortened name never equals another plugin's plain name.
/// </summary>
public static class PostgresNames
{
    public const string Prefix = "plugin_";
    public const string ServiceSchema = "_storage";

    /// <summary>Service functions plugin roles may call (the migration journal's); every plugin role has USAGE on it, nothing else does.</summary>
    public const string ApiSchema = "_storage_migrate";
    private const int MaxIdentifierBytes = 63;

    public static string Schema(PluginId plugin) => Name(plugin);

    public static string Role(PluginId plugin) => Name(plugin);

    private static string Name(PluginId plugin)
    {
        var full = Prefix + plugin.Value;
        if (full.Length <= MaxIdentifierBytes)
            return full;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plugin.Value)))[..10];
        return full[..(MaxIdentifierBytes - hash.Length - 1)] + "#" + hash;
    }
}
