namespace Storage.Client;

/// <summary>
/// One plugin's storage: KV, rows, guarded SQL and migrations. Every call is a request on the
/// plugin's own subjects; failures are a <see cref="StorageException"/> with the contract's code.
/// Get one from <see cref="StorageClient.ConnectAsync"/>, <c>services.AddStorageClient(...)</c>, or,
/// in tests, from <c>InProcessStorage.StartAsync</c> (package Storage.Testing).
/// </summary>
public interface IStorageClient : IAsyncDisposable
{
    /// <summary>The plugin whose storage this is (its subject token).</summary>
    string Plugin { get; }

    /// <summary>Tier 1: JSON values by key.</summary>
    IKvClient Kv { get; }

    /// <summary>Tier 2: rows of the plugin's tables.</summary>
    IRowsClient Rows { get; }

    /// <summary>Tier 3: one guarded SQL statement at a time.</summary>
    ISqlClient Sql { get; }

    /// <summary>The plugin's schema migrations.</summary>
    IMigrationsClient Migrations { get; }
}
