namespace Storage.Core;

/// <summary>Names of <see cref="StorageProvider"/> as configuration, replies and exports spell them.</summary>
public static class StorageProviders
{
    /// <summary><c>sqlite</c> or <c>postgres</c>, the same words <c>Storage:Provider</c> takes.</summary>
    public static string WireName(this StorageProvider provider) => provider == StorageProvider.Postgres ? "postgres" : "sqlite";
}
