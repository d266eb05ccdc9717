using System.ComponentModel.DataAnnotations;

namespace Storage.Migrations;

/// <summary>Limits of the migrations tier (configuration section <c>Migrations</c>).</summary>
public sealed class MigrationOptions
{
    /// <summary>Most migrations one apply request may carry.</summary>
    [Range(1, 100_000)]
    public int MaxMigrationsPerRequest { get; set; } = 1000;

    /// <summary>Time limit for one migration script, in seconds.</summary>
    [Range(1, 86_400)]
    public int ScriptTimeoutSeconds { get; set; } = 300;

    /// <summary>How long an apply or rollback waits for another one of the same plugin to finish, in seconds.</summary>
    [Range(1, 86_400)]
    public int LockTimeoutSeconds { get; set; } = 300;
}
