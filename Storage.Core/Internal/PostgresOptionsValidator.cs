using Microsoft.Extensions.Options;

namespace Storage.Core.Internal;

/// <summary>Checks the connection budget's settings against each other at start (ranges are data annotations).</summary>
internal sealed class PostgresOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (options.Provider != StorageProvider.Postgres || options.Postgres is null)
            return ValidateOptionsResult.Success;
        var pg = options.Postgres;
        var failures = OptionKeys.Check(pg, "Storage:Postgres");
        if (failures.Count > 0)
            return ValidateOptionsResult.Fail(failures);
        // A migration takes two connections of the plugin share at once, so the share must hold two.
        if (pg.MaxConnections - pg.ServiceConnections < 2)
            failures.Add($"Storage:Postgres:ServiceConnections ({pg.ServiceConnections}) must leave at least 2 of Storage:Postgres:MaxConnections ({pg.MaxConnections}) for plugins.");
        if (pg.MaxConnectionsPerPlugin > pg.MaxConnections - pg.ServiceConnections)
            failures.Add($"Storage:Postgres:MaxConnectionsPerPlugin ({pg.MaxConnectionsPerPlugin}) must not exceed Storage:Postgres:MaxConnections - ServiceConnections ({pg.MaxConnections - pg.ServiceConnections}).");
        if (pg.EffectiveRoleConnectionLimit < pg.MaxConnectionsPerPlugin)
            failures.Add($"Storage:Postgres:PluginRoleConnectionLimit ({pg.EffectiveRoleConnectionLimit}) must be at least Storage:Postgres:MaxConnectionsPerPlugin ({pg.MaxConnectionsPerPlugin}).");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
