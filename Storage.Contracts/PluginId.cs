using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Storage.Contracts;

/// <summary>
/// The validated name of a plugin (<c>^[a-z][a-z0-9_-]{0,62}$</c>). It is taken only from the NATS
/// subject, never from a request body, and every tier scopes its data by it.
/// </summary>
public readonly partial record struct PluginId
{
    private PluginId(string value) => Value = value;

    /// <summary>The plugin name exactly as it appears in the subject.</summary>
    public string Value { get; }

    /// <summary>Parses a subject token; raises <see cref="StorageErrorCode.InvalidRequest"/> when it is not a valid plugin name.</summary>
    public static PluginId Parse(string? token) =>
        TryParse(token, out var id)
            ? id
            : throw new StorageException(
                StorageErrorCode.InvalidRequest,
                $"Plugin name '{Truncate(token)}' is invalid: it must match ^[a-z][a-z0-9_-]{{0,62}}$ (a lowercase letter, then up to 62 of a-z, 0-9, '_' or '-').",
                new Dictionary<string, object?> { ["field"] = "plugin" });

    /// <summary>Returns whether <paramref name="token"/> is a valid plugin name.</summary>
    public static bool TryParse([NotNullWhen(true)] string? token, out PluginId id)
    {
        if (token is not null && Pattern().IsMatch(token))
        {
            id = new PluginId(token);
            return true;
        }
        id = default;
        return false;
    }

    public override string ToString() => Value ?? string.Empty;

    private static string Truncate(string? token) =>
        token is null ? "" : token.Length <= 80 ? token : token[..80] + "...";

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
